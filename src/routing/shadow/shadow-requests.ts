import type { ChatCompletion } from '../../common/openai/chat.types';
import { costNanoUsd } from '../../common/pricing';
import { GatewayError } from '../../common/errors';
import type { ProviderRegistry } from '../../providers/provider.types';
import type { PlannedTarget } from '../routing.types';
import type { LiveAnswer, LiveCall, ShadowRequestComparison } from './shadow.types';

/** The shadow request budget: spent atomically before the call, settled after (ShadowSettingsService). */
export interface ShadowBudget {
  spend(tenantId: string, nano: number): Promise<boolean>;
  adjust(tenantId: string, deltaNano: number): Promise<void>;
}

/** Characters of the answer's content (all choices). */
export function answerChars(completion: ChatCompletion | null): number {
  let chars = 0;
  for (const choice of completion?.choices ?? []) {
    const content = choice.message?.content;
    if (typeof content === 'string') chars += content.length;
  }
  return chars;
}

/** The most the shadow request can cost: the prompt's upper bound and the whole allowed output. */
export function shadowRequestCeilingNano(call: LiveCall, target: PlannedTarget): number {
  const output = Math.min(
    call.input.requestedMaxOutputTokens ?? target.maxOutputTokens,
    target.maxOutputTokens,
  );
  return costNanoUsd(target.reservePricing, {
    promptTokens: call.promptTokensUpperBound,
    completionTokens: output * Math.max(1, call.request.n ?? 1),
  });
}

function liveSide(answer: LiveAnswer | null): ShadowRequestComparison['live'] {
  return answer
    ? {
        latency_ms: answer.latencyMs,
        prompt_tokens: answer.promptTokens,
        completion_tokens: answer.completionTokens,
        cost_nano: answer.costNano,
        chars: answer.chars,
      }
    : null;
}

/**
 * Sends a copy of a sampled live request to the shadow target (tenant opt-in): straight to the
 * provider adapter — no retries, no fallbacks, no circuit breaker state shared with live traffic —
 * paid from the tenant's shadow request budget, which is taken at the request's cost ceiling
 * before the call and settled to the actual cost after it. Never the tenant's budget or usage: no
 * reservation, no usage row, no rollup. Resolves to the paired comparison, or null when the budget
 * does not cover the ceiling.
 */
export async function sendShadowRequest(
  deps: { registry: ProviderRegistry; budget: ShadowBudget; timeoutMs: number },
  job: { requestId: string; tenantId: string },
  call: LiveCall,
  target: PlannedTarget,
): Promise<ShadowRequestComparison | null> {
  const ceiling = shadowRequestCeilingNano(call, target);
  if (!(await deps.budget.spend(job.tenantId, ceiling))) return null;
  const started = performance.now();
  let completion: ChatCompletion | null = null;
  let status = 200;
  try {
    const adapter = deps.registry.get(target.provider);
    completion = await adapter.complete(
      { ...call.request, model: target.upstreamModel, stream: false, stream_options: undefined },
      {
        signal: AbortSignal.timeout(deps.timeoutMs),
        requestId: `${job.requestId}:shadow`,
        maxOutputTokens: target.maxOutputTokens,
      },
    );
  } catch (error) {
    status = error instanceof GatewayError ? error.status : 502;
  }
  const usage = completion?.usage;
  const cost = usage
    ? costNanoUsd(target.spec.pricing, {
        promptTokens: usage.prompt_tokens,
        cachedPromptTokens: usage.prompt_tokens_details?.cached_tokens ?? 0,
        completionTokens: usage.completion_tokens,
      })
    : 0;
  // A failed call is assumed to cost nothing; a success is settled at its price, at most the ceiling.
  const spent = Math.min(cost, ceiling);
  await deps.budget.adjust(job.tenantId, spent - ceiling);
  return {
    provider: target.provider,
    model: target.model,
    status,
    latency_ms: Math.round(performance.now() - started),
    prompt_tokens: usage?.prompt_tokens ?? 0,
    completion_tokens: usage?.completion_tokens ?? 0,
    cost_nano: spent,
    chars: answerChars(completion),
    live: liveSide(call.answer()),
  };
}
