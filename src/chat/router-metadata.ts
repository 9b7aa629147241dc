import type { IntentResult, IntentSignals } from '../common/intent-labels';
import type { ChatCompletion } from '../common/openai/chat.types';
import type { AttemptRecord } from '../providers/provider.types';

export type ChatCompletionWithMetadata = ChatCompletion & { router_metadata: RouterMetadata };

/** The `router_metadata` object on every response: why this answer came from where it did. */
export interface RouterMetadata {
  request_id: string;
  selected_provider: string | null;
  selected_model: string | null;
  routing_reason: string;
  intent_label: string | null;
  intent_confidence: number | null;
  intent_signals: IntentSignals | null;
  intent_method: string;
  estimated_cost_usd: number | null;
  /** Actual cost from the provider's usage (null until known, e.g. on a stream's first chunk). */
  cost_usd: number | null;
  fallbacks_tried: FallbackTried[];
  cache_hit: boolean;
  /** HIT | SEMANTIC_HIT | MISS | BYPASS (present when the cache was consulted or bypassed). */
  cache_status?: string;
  /** Similarity of the last user turns on a semantic hit. */
  cache_similarity?: number;
  /** On a hit: what the original call cost, saved by this answer. */
  cache_saved_usd?: number;
  /** Gateway wall time for the request in ms (null until known). */
  latency_ms: number | null;
  budget_downgraded: boolean;
  /** Present when a soft budget limit is reached. */
  budget_warning?: string;
  /** Present in TEST_MODE: the answer came from the built-in simulator. */
  simulated?: boolean;
  /**
   * Present (true) when the upstream reported no valid usage and the gateway billed its own
   * estimate instead (prompt estimate + tokens of the text it relayed).
   */
  usage_estimated?: boolean;
  /**
   * Present ("estimated") when the answering model is not priced by the catalog or its provider:
   * its cost comes from a family or fallback price (config/models.yaml `compatibility`).
   */
  pricing?: 'estimated';
  /** Where the price comes from, present with `pricing` ("family gpt-4o (estimated)", ...). */
  pricing_source?: string;
  /** Present when the tenant runs an A/B routing experiment: its id and the request's arm. */
  experiment?: { id: string; arm: string };
  /** Present when policy changed the request (e.g. PII redacted). */
  policy_notes?: string[];
  /**
   * Present when the request set no max_tokens and the budget had no room for the model's whole
   * output: the output tokens per choice its reservation covers (sent upstream as
   * max_completion_tokens, except for a stream, which extends it or is cut off).
   */
  budget_max_output_tokens?: number;
  /** Present (true) on the last chunks of a stream the budget ended (finish_reason "length"). */
  budget_cutoff?: boolean;
}

export interface FallbackTried {
  provider: string;
  model: string;
  error_code: string | null;
  status: number | null;
}

/** Failed attempts, in order (the answering attempt is not a fallback). */
export function fallbacksTried(attempts: readonly AttemptRecord[]): FallbackTried[] {
  const tried: FallbackTried[] = [];
  for (const attempt of attempts) {
    if (attempt.outcome === 'ok') continue;
    tried.push({
      provider: attempt.provider,
      model: attempt.model,
      error_code: attempt.outcome === 'skipped_circuit_open' ? 'circuit_open' : (attempt.error_code ?? null),
      status: attempt.status ?? null,
    });
  }
  return tried;
}

/** Rounds a confidence for display: 3 decimals is plenty and keeps JSON short. */
export function roundConfidence(value: number): number {
  return Math.round(value * 1000) / 1000;
}

export function intentFields(
  intent: IntentResult | null,
): Pick<RouterMetadata, 'intent_label' | 'intent_confidence' | 'intent_signals' | 'intent_method'> {
  if (!intent)
    return { intent_label: null, intent_confidence: null, intent_signals: null, intent_method: 'none' };
  return {
    intent_label: intent.label,
    intent_confidence: intent.label === null ? null : roundConfidence(intent.confidence),
    intent_signals: intent.signals,
    intent_method: intent.method,
  };
}

/** The intent headers every classified response carries (success, stream or refusal). */
export function intentHeaders(intent: IntentResult | null): Record<string, string> {
  if (!intent || intent.label === null) return {};
  return {
    'x-modelmuxer-intent': intent.label,
    'x-modelmuxer-intent-confidence': roundConfidence(intent.confidence).toString(),
  };
}
