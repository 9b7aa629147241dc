import { Injectable } from '@nestjs/common';
import type { ChatCompletionChunk } from '../../../common/openai/chat.types';
import type { RouterMetadata } from '../../router-metadata';
import { answered, type ChatCall, type ChatStep } from '../chat-call';
import { answerHeaders, routerMetadata, withCallContext } from '../metadata';

/**
 * The response: the OpenAI body with router_metadata and the x-modelmuxer-* headers, or the SSE
 * chunks with router_metadata on the first chunk and on the usage chunk (which also carries the
 * final cost and latency). Usage chunks reach the client only when it asked for them
 * (stream_options.include_usage). Writes: response.
 */
@Injectable()
export class RespondStep implements ChatStep {
  readonly name = 'respond';

  appliesTo(call: ChatCall): boolean {
    return call.outcome !== null;
  }

  run(call: ChatCall): void {
    const outcome = answered(call);
    const headers = answerHeaders(call);
    if (outcome.chunks) {
      call.response = {
        kind: 'stream',
        headers,
        chunks: relay(call, outcome.chunks, routerMetadata(call, 'start')),
      };
      return;
    }
    call.response = {
      kind: 'json',
      headers,
      body: { ...outcome.completion!, router_metadata: routerMetadata(call) },
    };
  }
}

async function* relay(
  call: ChatCall,
  upstream: AsyncIterable<ChatCompletionChunk>,
  opening: RouterMetadata,
): AsyncGenerator<ChatCompletionChunk> {
  const clientWantsUsage = call.request.stream_options?.include_usage === true;
  let first = true;
  try {
    for await (const chunk of upstream) {
      const usageOnly = chunk.choices.length === 0;
      if (!clientWantsUsage) {
        if (usageOnly) continue;
        if (chunk.usage !== undefined) delete chunk.usage;
      }
      if (first) {
        first = false;
        yield { ...chunk, router_metadata: opening };
      } else if (usageOnly) {
        // The usage chunk closes the stream: it carries the billed usage (the account step), the
        // final cost and the latency.
        yield { ...chunk, router_metadata: routerMetadata(call) };
      } else {
        yield chunk;
      }
    }
  } catch (error) {
    throw withCallContext(error, call);
  }
}
