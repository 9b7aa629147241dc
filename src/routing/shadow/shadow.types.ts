import type { IntentResult } from '../../common/intent-labels';
import type { ChatCompletionRequest } from '../../common/openai/chat.types';
import type { ProviderKey } from '../../common/provider-keys';
import type { TenantRoutingSource } from '../lab/decision-record';
import type { RoutingDecision, RoutingInput } from '../routing.types';

/**
 * The candidate classifier of the shadow: local, synchronous, no network (never the LLM
 * fallback — a shadow never makes a model call on the tenant's behalf). Built in the intent
 * layer (src/intent/shadow-classifier.ts) and handed to the shadow runner by the chat module.
 */
export interface ShadowClassifier {
  /** For the report: e.g. "model (temperature 1.5)". */
  readonly description: string;
  classify(request: ChatCompletionRequest): IntentResult;
}

/** DI token of the candidate classifier (null: the live label is kept, only routing is shadowed). */
export const SHADOW_CLASSIFIER = Symbol('SHADOW_CLASSIFIER');

/** What the live call was and did: read by the job when it runs, off the request path. */
export interface LiveCall {
  /** The request as routed (after any redaction). */
  request: ChatCompletionRequest;
  input: RoutingInput;
  /** The prompt's token upper bound (what a reservation covers). */
  promptTokensUpperBound: number;
  decision: RoutingDecision;
  /** Providers that were not configured when the call was routed. */
  unconfigured: ProviderKey[];
  /** The tenant's routing customisation (merged over the candidate policy), null: none. */
  tenantRouting: TenantRoutingSource | null;
  /** What the live answer was, when known when the job runs (for a shadow request's pairing). */
  answer: () => LiveAnswer | null;
}

export interface LiveAnswer {
  latencyMs: number;
  promptTokens: number;
  completionTokens: number;
  costNano: number;
  /** Characters of the answer's content. */
  chars: number;
}

/** One sampled request, queued by the chat pipeline's shadow step. */
export interface ShadowJob {
  requestId: string;
  tenantId: string;
  /** Epoch ms at which the live call was answered. */
  at: number;
  /** Also send a shadow request (the tenant opted in and the request is in that sample). */
  sendRequest: boolean;
  live: () => LiveCall;
}

/** The paired comparison of a shadow request with the live answer (routing_shadow_results.shadow_request). */
export interface ShadowRequestComparison {
  provider: string;
  model: string;
  status: number;
  latency_ms: number;
  prompt_tokens: number;
  completion_tokens: number;
  cost_nano: number;
  chars: number;
  live: {
    latency_ms: number;
    prompt_tokens: number;
    completion_tokens: number;
    cost_nano: number;
    chars: number;
  } | null;
}

/** One row of routing_shadow_results. */
export interface ShadowResult {
  createdAt: Date;
  requestId: string;
  tenantId: string;
  liveLabel: string | null;
  shadowLabel: string | null;
  liveConfidence: number;
  shadowConfidence: number;
  liveModel: string | null;
  shadowModel: string | null;
  /** The decisions' estimated costs (same token estimate on both sides), nano-USD. */
  liveCostNano: number;
  shadowCostNano: number;
  shadowRequest: ShadowRequestComparison | null;
}
