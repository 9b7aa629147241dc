import { Inject, Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { responseCacheKey, shouldUseCache } from '../../../caching/cache-key';
import { RESPONSE_CACHE, type CachedCompletion, type ResponseCache } from '../../../caching/caching.types';
import type { ChatCompletion, Usage } from '../../../common/openai/chat.types';
import { estimateTextTokens } from '../../../common/token-estimator';
import { METRIC } from '../../../telemetry/metrics';
import { routed, type ChatCall, type ChatStep } from '../chat-call';
import { UsageAccounting } from '../usage-accounting';

/**
 * The response cache (enhanced and production; deterministic, non-streamed requests), keyed by
 * tenant, routed model and request. A hit answers the call: no provider call, cost 0, the saving
 * recorded as the original call's cost. Writes: cacheKey (to store the answer under), or outcome.
 */
@Injectable()
export class CacheLookupStep implements ChatStep {
  readonly name = 'cache_lookup';

  constructor(
    private readonly accounting: UsageAccounting,
    @InjectMetric(METRIC.cacheLookups) private readonly lookups: Counter<string>,
    @Inject(RESPONSE_CACHE) private readonly cache: ResponseCache | null,
  ) {}

  appliesTo(call: ChatCall): boolean {
    return this.cache !== null && call.mode === 'complete';
  }

  async run(call: ChatCall): Promise<void> {
    if (!shouldUseCache(call.request, call.context.cacheDirective)) {
      this.lookups.inc({ result: 'skip' });
      return;
    }
    const { plan } = routed(call);
    call.cacheKey = responseCacheKey(call.context.principal.tenantId, plan.chain[0].model, call.request);
    const cached = await this.cache!.get(call.cacheKey);
    this.lookups.inc({ result: cached ? 'hit' : 'miss' });
    if (cached) await this.answerFromCache(call, cached);
  }

  private async answerFromCache(call: ChatCall, cached: CachedCompletion): Promise<void> {
    const { completion, provider, model, costNano: originalCostNano } = cached;
    const usage = completion.usage ?? estimatedUsage(call.promptTokens, completionText(completion));
    await this.accounting.record(call, {
      provider: 'cache',
      model,
      promptTokens: usage.prompt_tokens,
      completionTokens: usage.completion_tokens,
      cachedTokens: 0,
      costNano: 0,
      savedNano: originalCostNano,
      status: 200,
      cacheHit: true,
    });
    call.outcome = {
      provider,
      model,
      target: null,
      attempts: [],
      completion,
      chunks: null,
      upstreamMs: 0,
      costNano: 0,
      usageEstimated: false,
      fromCache: true,
    };
  }
}

/** The text of a completion (content and tool calls), for estimating its tokens. */
export function completionText(completion: ChatCompletion): string {
  let text = '';
  for (const choice of completion.choices) {
    if (typeof choice.message.content === 'string') text += choice.message.content;
    for (const call of choice.message.tool_calls ?? []) text += call.function.name + call.function.arguments;
  }
  return text;
}

/** When an answer carries no usage, estimate it (the prompt estimate + the text we saw). */
function estimatedUsage(promptTokens: number, text: string): Usage {
  const completionTokens = estimateTextTokens(text);
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
}
