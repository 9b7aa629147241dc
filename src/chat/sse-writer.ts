import { once } from 'node:events';
import type { Response } from 'express';
import { ErrorCode, GatewayError } from '../common/errors';
import type { ChatCompletionChunk } from '../common/openai/chat.types';
import { markErrorCode } from '../common/openai-exception.filter';

/** How a stream's items, its end and a mid-stream error are framed as server-sent events. */
export interface SseFraming<T> {
  /** The events of one item ('' to send nothing for it). */
  item(item: T): string;
  /** Written when the items are exhausted (the stream completed). */
  end(): string;
  /** The event ending a stream that failed after its first byte. */
  error(error: GatewayError): string;
}

/** OpenAI's framing: `data: <chunk>`, then `data: [DONE]`; an error as `data: {"error": ...}`. */
export const OPENAI_SSE_FRAMING: SseFraming<ChatCompletionChunk> = {
  item: (chunk) => `data: ${JSON.stringify(chunk)}\n\n`,
  end: () => 'data: [DONE]\n\n',
  error: (error) => `data: ${JSON.stringify({ error: error.toBody().error })}\n\n`,
};

/**
 * Server-sent events to the client, OpenAI style by default (another framing for other wire
 * formats, e.g. Anthropic's Messages events): `data: <json>\n\n` per chunk, then
 * `data: [DONE]\n\n`. Each chunk is written as it arrives (no buffering; Node sends it at
 * once). A failure after the first byte becomes an error event
 * `data: {"error":{...}}` and the stream ends without [DONE], so clients see an error rather
 * than a clean-looking truncated answer.
 *
 * A client that stops reading (its socket buffer stays full for `stallTimeoutMs`) is cut off:
 * the connection is destroyed, which aborts the upstream call, and the pipeline settles what was
 * streamed — a stalled client must not pin an upstream connection forever.
 */
export async function writeEventStream<T = ChatCompletionChunk>(
  response: Response,
  headers: Record<string, string>,
  chunks: AsyncGenerator<T>,
  stallTimeoutMs: number,
  framing: SseFraming<T> = OPENAI_SSE_FRAMING as unknown as SseFraming<T>,
): Promise<void> {
  response.status(200);
  for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
  response.setHeader('content-type', 'text/event-stream; charset=utf-8');
  response.setHeader('cache-control', 'no-cache, no-transform');
  response.setHeader('x-accel-buffering', 'no');
  response.setHeader('connection', 'keep-alive');
  try {
    for await (const chunk of chunks) {
      if (response.destroyed) break;
      const text = framing.item(chunk);
      if (text === '') continue;
      if (!response.write(text) && !(await drained(response, stallTimeoutMs))) {
        // Cut off; 'close' aborts the upstream call before the pipeline settles what was sent.
        response.destroy();
        if (!response.closed) await once(response, 'close');
      }
    }
    if (response.destroyed) {
      await chunks.return(undefined); // runs the pipeline's accounting
      return;
    }
    response.end(framing.end());
  } catch (error) {
    if (response.destroyed) return;
    const gatewayError =
      error instanceof GatewayError
        ? error
        : new GatewayError(ErrorCode.ProviderStreamError, 'The stream failed before it completed.');
    markErrorCode(response, gatewayError.code);
    response.end(framing.error(gatewayError));
  }
}

/**
 * Resolves true when the socket can take more data or the client has gone, false when neither
 * happened within `timeoutMs` (the client stopped reading).
 */
function drained(response: Response, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      response.off('drain', onDrain);
      response.off('close', onDrain);
      resolve(ok);
    };
    const onDrain = () => done(true);
    const timer = setTimeout(() => done(false), timeoutMs);
    response.on('drain', onDrain);
    response.on('close', onDrain);
  });
}
