import type { ErrorCode } from '../common/errors';
import type { IntentLabel, IntentResult } from '../common/intent-labels';
import type { ProviderKey } from '../common/provider-keys';
import type { ModelPricing } from '../common/pricing';
import type { ProviderTarget } from '../providers/provider.types';

export const MODEL_TIERS = ['economy', 'standard', 'premium', 'reasoning'] as const;
export type ModelTier = (typeof MODEL_TIERS)[number];

export interface ModelCapabilities {
  vision: boolean;
  tools: boolean;
  json_mode: boolean;
  streaming: boolean;
}

/**
 * An embedding model (config/models.yaml `embedding_models`), served by POST /v1/embeddings.
 * Never routed to for chat; its names share the chat models' namespace.
 */
export interface EmbeddingModelSpec {
  id: string;
  provider: ProviderKey;
  upstream_id: string;
  aliases: string[];
  /** USD per 1M input tokens (embeddings have no output tokens). */
  pricing: { input: number };
  /** Length of the vectors the model returns by default. */
  dimensions: number;
  /** Whether the model can return shorter vectors (`dimensions` in the request). */
  shortenable: boolean;
  /** Largest input accepted per item, in tokens. */
  max_input_tokens: number;
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
  /**
   * Largest prompt the model accepts (or is priced at its listed rate for), when smaller than
   * `context_window` (e.g. GPT-5 family: 272K input inside a 400K window). Optional.
   */
  max_input_tokens?: number;
  /**
   * Multiplier on the expected output when the client sets no max: models that spend hidden
   * reasoning tokens (billed as output) cost more than their visible answer. Optional, default 1.
   */
  expected_output_factor?: number;
}

/** A concrete place to send a request: what the provider layer executes. */
export type RouteTarget = ProviderTarget;

/** A target of a routing plan: with its catalog entry (prices, limits) — looked up once, at start-up. */
export interface PlannedTarget extends RouteTarget {
  readonly spec: ModelSpec;
  /** The model's output-token ceiling (spec.max_output_tokens), for the adapter. */
  readonly maxOutputTokens: number;
  /** `estimated` when the model is not priced by the catalog or its provider (family or fallback price). */
  readonly pricingKind: 'list' | 'estimated';
  /** Where the price comes from ("catalog", "family gpt-4o (estimated)", ...). */
  readonly pricingSource: string;
  /** What budgets reserve against: the price, or an upper bound of it when estimated. */
  readonly reservePricing: ModelPricing;
}

/** What the router hands the pipeline: the decision and, when it has a target, the chain to walk. */
export interface RoutePlan {
  decision: RoutingDecision;
  /** The target, then the fallbacks, in order; empty when the decision has no target. */
  chain: PlannedTarget[];
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
  /**
   * The budget's own soft limit (soft_limit_ratio, action downgrade) is reached: downgrade even
   * when more than the policy's `budget.downgrade_below` remains. Optional, default false.
   */
  budgetSoftLimitReached?: boolean;
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

/**
 * Why the router could not pick a target for a request it did not refuse (e.g. an unknown
 * explicit model, a context overflow on every model, every provider down). `code` is the
 * GatewayError code the pipeline should raise; see routing-errors.ts `routingError()`.
 */
export interface RoutingFailure {
  code: ErrorCode;
  message: string;
  /** The request field at fault (OpenAI `param`), when there is one. */
  param: string | null;
  /** The model exists but the tenant's policy excludes it (answered like an unknown model). */
  excludedByPolicy?: boolean;
}

/** The fixed vocabulary of decision kinds (the `reason` label of the routing metric). */
export const ROUTING_REASON_KINDS = [
  'direct',
  'cautious',
  'low_confidence',
  'default',
  'explicit',
  'budget_downgrade',
  'refused',
  'safety_route',
  'unavailable',
] as const;
export type RoutingReasonKind = (typeof ROUTING_REASON_KINDS)[number];

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
  /** Set when `target` is null for a reason other than a refusal. Optional (added compatibly). */
  failure?: RoutingFailure | null;
  /** Which rule decided (metric label). Optional (added compatibly). */
  kind?: RoutingReasonKind;
}
