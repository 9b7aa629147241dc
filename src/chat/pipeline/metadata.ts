import { GatewayError } from '../../common/errors';
import { nanoToUsd } from '../../common/pricing';
import { elapsedMs } from '../../common/time';
import { ProviderError } from '../../providers/provider.types';
import { fallbacksTried, intentFields, type RouterMetadata } from '../router-metadata';
import type { ChatCall } from './chat-call';

/** The one place router_metadata is built: from what the call knows at the moment it is asked. */
export function routerMetadata(call: ChatCall, at: 'start' | 'end' = 'end'): RouterMetadata {
  const decision = call.plan?.decision ?? null;
  const outcome = call.outcome;
  const metadata: RouterMetadata = {
    request_id: call.context.requestId,
    selected_provider: outcome?.provider ?? decision?.target?.provider ?? null,
    selected_model: outcome?.model ?? decision?.target?.model ?? null,
    routing_reason: (decision?.reason ?? '') + (outcome?.fromCache ? ' (served from cache)' : ''),
    ...intentFields(call.reportIntent ? call.intent : null),
    estimated_cost_usd: decision?.target ? decision.estimatedCostUsd : null,
    cost_usd: at === 'end' && outcome?.costNano != null ? nanoToUsd(outcome.costNano) : null,
    fallbacks_tried: fallbacksTried(outcome?.attempts ?? []),
    cache_hit: outcome?.fromCache ?? false,
    latency_ms: at === 'end' && outcome ? round2(elapsedMs(call.context.startedAt)) : null,
    budget_downgraded: decision?.budgetDowngraded ?? false,
  };
  if (call.budget?.softLimitReached) metadata.budget_warning = call.headers['x-modelmuxer-budget-warning'];
  if (call.simulated) metadata.simulated = true;
  const priced = outcome?.target ?? call.plan?.chain[0] ?? null;
  if (priced?.pricingKind === 'estimated') {
    metadata.pricing = 'estimated';
    metadata.pricing_source = priced.pricingSource;
  }
  if (call.experiment) metadata.experiment = { ...call.experiment };
  if (call.policyNotes.length > 0) metadata.policy_notes = call.policyNotes;
  if (call.outputAllowance)
    metadata.budget_max_output_tokens = outcome?.target?.outputCap ?? call.outputAllowance.perChoice;
  if (call.outputAllowance?.cutOff) metadata.budget_cutoff = true;
  if (at === 'end' && outcome?.usageEstimated) metadata.usage_estimated = true;
  const cache = call.cache;
  if (cache) {
    metadata.cache_status = cache.status;
    if (outcome?.fromCache && (cache.status === 'HIT' || cache.status === 'SEMANTIC_HIT')) {
      if (cache.similarity !== null) metadata.cache_similarity = cache.similarity;
      metadata.cache_saved_usd = nanoToUsd(cache.answer.costNano);
    }
  }
  return metadata;
}

/** Response headers naming the answer (on top of the intent and budget headers of the route step). */
export function answerHeaders(call: ChatCall): Record<string, string> {
  const outcome = call.outcome;
  if (!outcome) return { ...call.headers };
  const headers: Record<string, string> = {
    ...call.headers,
    'x-modelmuxer-provider': outcome.provider,
    'x-modelmuxer-model': outcome.model,
  };
  if (outcome.costNano !== null) headers['x-modelmuxer-cost-usd'] = nanoToUsd(outcome.costNano).toFixed(9);
  const cache = call.cache;
  if (cache) headers['x-modelmuxer-cache'] = cache.status;
  if (outcome.fromCache && cache && (cache.status === 'HIT' || cache.status === 'SEMANTIC_HIT')) {
    if (cache.similarity !== null) headers['x-modelmuxer-cache-similarity'] = cache.similarity.toFixed(4);
    headers['x-modelmuxer-cache-saved-usd'] = nanoToUsd(cache.answer.costNano).toFixed(9);
  }
  const overhead = Math.max(0, elapsedMs(call.context.startedAt) - outcome.upstreamMs);
  headers['x-modelmuxer-overhead-ms'] = round2(overhead).toString();
  return headers;
}

/**
 * Errors raised once the request is routed carry router_metadata (with the fallbacks tried)
 * and the intent headers; the exception filter renders them.
 */
export function withCallContext(error: unknown, call: ChatCall): unknown {
  if (!(error instanceof GatewayError) || !call.plan) return error;
  // As decided (not as answered): the answer, if any, is what failed.
  const metadata = routerMetadata({ ...call, outcome: null }, 'start');
  if (error instanceof ProviderError) metadata.fallbacks_tried = fallbacksTried(error.attempts ?? []);
  error.bodyExtras.router_metadata = metadata;
  for (const [name, value] of Object.entries(call.headers)) {
    if (!(name in error.headers)) error.headers[name] = value;
  }
  return error;
}

export function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
