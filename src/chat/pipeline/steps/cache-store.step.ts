import { Inject, Injectable } from '@nestjs/common';
import { RESPONSE_CACHE, type ResponseCache } from '../../../caching/caching.types';
import { answered, type ChatCall, type ChatStep } from '../chat-call';

/** Stores an upstream completion under the key the cache lookup chose, with what it cost. */
@Injectable()
export class CacheStoreStep implements ChatStep {
  readonly name = 'cache_store';

  constructor(@Inject(RESPONSE_CACHE) private readonly cache: ResponseCache | null) {}

  appliesTo(call: ChatCall): boolean {
    return call.cacheKey !== null && call.outcome !== null && !call.outcome.fromCache;
  }

  run(call: ChatCall): void {
    const outcome = answered(call);
    this.cache!.set(call.cacheKey!, {
      completion: outcome.completion!,
      provider: outcome.provider,
      model: outcome.model,
      costNano: outcome.costNano ?? 0,
    });
  }
}
