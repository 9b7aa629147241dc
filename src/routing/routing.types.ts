import type { IntentLabel, IntentResult } from '../intent/intent.types';
import type { ProviderKey } from '../providers/provider.types';

export const MODEL_TIERS = ['economy', 'standard', 'premium', 'reasoning'] as const;
export type ModelTier = (typeof MODEL_TIERS)[number];

export interface ModelCapabilities {
  vision: boolean;
  tools: boolean;
  json_mode: boolean;
  streaming: boolean;
}

/** USD per 1M tokens. */
export interface ModelPricing {
  input: number;
  output: number;
  /** Price of cached input tokens, where the provider has one. */
  cached_input?: number;
}

/** One entry of config/models.yaml, validated at start-up. */
export interface ModelSpec {
  /** The id clients use and the catalog lists (e.g. "gpt-4o-mini", "claude-3-5-haiku-latest"). */
  id: string;
  provider: ProviderKey;
  /** The model name sent upstream (defaults to `id`). */
  upstream_id: string;
  aliases: string[];
  pricing: ModelPricing;
  context_window: number;
  max_output_tokens: number;
  capabilities: ModelCapabilities;
  /** Quality per intent label, 0..1. */
  quality: Record<IntentLabel, number>;
  tier: ModelTier;
}

/** A concrete place to send a request: what the provider layer executes. */
export interface RouteTarget {
  provider: ProviderKey;
  /** Catalog id. */
  model: string;
  /** Name sent upstream. */
  upstreamModel: string;
}

/** What the router needs to know about the request (computed once by the pipeline). */
export interface RoutingInput {
  /** The `model` field as sent by the client (undefined → "auto"). */
  requestedModel: string | undefined;
  intent: IntentResult;
  estimatedPromptTokens: number;
  /** max_completion_tokens ?? max_tokens, when the client set one. */
  requestedMaxOutputTokens: number | null;
  needsVision: boolean;
  needsTools: boolean;
  needsJsonMode: boolean;
  needsStreaming: boolean;
  /**
   * Remaining budget for the period as a fraction of the limit (0..1), or null when no budget
   * applies. Below the policy's threshold the router downgrades one tier.
   */
  budgetRemainingRatio: number | null;
}

/** Live state of the provider layer the router must respect. */
export interface ProviderAvailability {
  isProviderConfigured(provider: ProviderKey): boolean;
  isCircuitOpen(target: RouteTarget): boolean;
}

export interface CandidateReport {
  provider: ProviderKey;
  model: string;
  tier: ModelTier;
  eligible: boolean;
  /** Why it was excluded, or how it ranked. */
  reason: string;
  quality: number | null;
  estimated_cost_usd: number;
  score: number | null;
}

export interface RoutingRefusal {
  code: 'content_policy_violation';
  message: string;
}

export interface RoutingDecision {
  /** Absent when the request is refused (see `refusal`). */
  target: RouteTarget | null;
  /** Ordered fallback chain after `target` (the provider layer walks it on failure). */
  fallbacks: RouteTarget[];
  /** A human sentence, e.g. "code_gen (0.91) → codestral-latest: cheapest model with code quality ≥ 0.8". */
  reason: string;
  /** Estimated cost of the selected target for this request. */
  estimatedCostUsd: number;
  /** True when the budget hook made the router pick a cheaper tier. */
  budgetDowngraded: boolean;
  /** Every candidate considered (for /v1/router/explain and debugging). */
  candidates: CandidateReport[];
  refusal: RoutingRefusal | null;
}
