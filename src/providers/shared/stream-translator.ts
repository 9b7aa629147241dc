import type { EventSourceMessage } from 'eventsource-parser';
import type { ChatCompletionChunk } from '../../common/openai/chat.types';
import { ErrorCode } from '../../common/errors';
import type { UpstreamExchange } from '../http/upstream-exchange';
import { ProviderError } from '../provider.types';
import { ProviderKey } from '../../common/provider-keys';
import { streamError } from './provider-errors';
import { requestIdFromHeaders } from './upstream-text';

/**
 * Per-request stream translation state (one object per stream): turns upstream SSE events
 * into OpenAI chunks. Implemented by each provider's `<name>.stream.ts` as pure logic.
 */
export interface StreamTranslator {
  /** One event → one chunk, or null. Throws a ProviderError for an upstream error event. */
  onEvent(event: EventSourceMessage): ChatCompletionChunk | null;
  /** True once the upstream signalled the end ([DONE], message_stop). */
  readonly done: boolean;
  /** After the body ended: the final chunk carrying usage. Throws if the stream was cut short. */
  finish(): ChatCompletionChunk;
}

/** Before the first chunk: an upstream error event is as retryable as an HTTP 5xx. */
function beforeFirstChunk(provider: ProviderKey, error: unknown): unknown {
  if (error instanceof ProviderError && error.code === ErrorCode.ProviderStreamError) {
    return new ProviderError(provider, ErrorCode.ProviderUnavailable, error.message, {
      retryable: true,
      cause: error,
    });
  }
  return error;
}

/** After chunks went out: whatever happened is a provider_stream_error (never retried). */
function afterFirstChunk(provider: ProviderKey, error: unknown): ProviderError {
  if (error instanceof ProviderError && error.code === ErrorCode.ProviderStreamError) return error;
  return streamError(provider, error instanceof Error ? error.message : String(error), error);
}

/**
 * Drives a translator over an upstream event stream. Chunks are yielded as soon as their
 * event is parsed. The body is read to its end (a [DONE] is followed by the end of the
 * response) so the keep-alive connection goes back to the pool instead of being destroyed.
 */
export async function* translateEventStream(
  provider: ProviderKey,
  exchange: UpstreamExchange,
  translator: StreamTranslator,
): AsyncGenerator<ChatCompletionChunk> {
  let yielded = false;
  try {
    for await (const event of exchange.events()) {
      if (translator.done) continue;
      const chunk = translator.onEvent(event);
      if (chunk !== null) {
        yielded = true;
        yield chunk;
      }
    }
    const last = translator.finish();
    yielded = true;
    yield last;
  } catch (error) {
    const failure = yielded ? afterFirstChunk(provider, error) : beforeFirstChunk(provider, error);
    if (failure instanceof ProviderError)
      failure.upstreamRequestId ??= requestIdFromHeaders(exchange.headers);
    throw failure;
  } finally {
    exchange.finish();
  }
}
