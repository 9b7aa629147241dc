import { Injectable } from '@nestjs/common';
import type { CachedCompletion } from '../../../caching/caching.types';
import { StreamRecorder } from '../../../caching/stream-cache';
import type { ChatCompletionChunk } from '../../../common/openai/chat.types';
import { answered, type ChatCall, type ChatOutcome, type ChatStep } from '../chat-call';

/**
 * Stores a fresh upstream answer with what it cost, through the `store` the cache lookup handed
 * back (a MISS, or a BYPASS of Cache-Control: no-cache; never no-store, only-if-cached or an
 * ineligible request). A completion is stored now; a stream is recorded as it passes and stored
 * only when it completed — not one that failed, was cut off or that the client left.
 */
@Injectable()
export class CacheStoreStep implements ChatStep {
  readonly name = 'cache_store';

  appliesTo(call: ChatCall): boolean {
    return storeOf(call) !== null && call.outcome !== null && !call.outcome.fromCache;
  }

  run(call: ChatCall): void {
    const store = storeOf(call)!;
    const outcome = answered(call);
    if (outcome.chunks) {
      outcome.chunks = record(call, outcome, outcome.chunks, store);
      return;
    }
    if (budgetTruncated(call)) return;
    store({
      completion: outcome.completion!,
      provider: outcome.provider,
      model: outcome.model,
      costNano: outcome.costNano ?? 0,
    });
  }
}

/** An answer the budget cut short (capped or cut off) is not the answer to cache. */
function budgetTruncated(call: ChatCall): boolean {
  return call.outputAllowance !== null && call.outputTruncated;
}

function storeOf(call: ChatCall): ((answer: CachedCompletion) => void) | null {
  const cache = call.cache;
  return cache && (cache.status === 'MISS' || cache.status === 'BYPASS') ? cache.store : null;
}

/** Relays the (metered) chunks unchanged, assembling them; stores the answer of a completed stream. */
async function* record(
  call: ChatCall,
  outcome: ChatOutcome,
  upstream: AsyncIterable<ChatCompletionChunk>,
  store: (answer: CachedCompletion) => void,
): AsyncGenerator<ChatCompletionChunk> {
  const recorder = new StreamRecorder();
  let completed = false;
  try {
    for await (const chunk of upstream) {
      recorder.add(chunk);
      yield chunk;
    }
    completed = true;
  } finally {
    // Runs on success, on upstream failure, and when the client went away (generator return).
    const complete = completed && !call.context.signal.aborted && !budgetTruncated(call);
    const completion = complete ? recorder.completion() : null;
    if (completion) {
      store({
        completion,
        provider: outcome.provider,
        model: outcome.model,
        costNano: outcome.costNano ?? 0,
      });
    }
  }
}
