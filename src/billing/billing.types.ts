import type { Principal } from '../common/principal';
import type { ProviderKey } from '../common/provider-keys';

/**
 * The billing contracts the chat pipeline depends on. Implemented by the billing module;
 * the pipeline injects them by token and calls them on every request, so every method here
 * must be cheap on the hot path (caches and batched writes, no per-request DB round trip
 * except the atomic budget reservation when a budget applies).
 */

/** Budget state for routing's downgrade hook and response headers (from memory). */
export interface BudgetStatus {
  /** Remaining fraction of the tightest applicable budget for the period (0..1). */
  remainingRatio: number;
  /** At or past the soft limit (soft_limit_ratio of the limit spent). */
  softLimitReached: boolean;
  /** What to do at the soft limit. */
  softAction: 'downgrade' | 'alert';
}

/** An outstanding reservation: settle it with the actual cost, or release it. */
export interface BudgetReservation {
  readonly amountNano: number;
}

export interface BudgetEnforcer {
  /** null when no budget applies to this principal. */
  status(principal: Principal): BudgetStatus | null;
  /**
   * Atomically reserves `maxCostNano` against every budget that applies, across replicas.
   * Returns null when no budget applies. Throws GatewayError(BudgetExceeded) when it does
   * not fit, naming the budget, its limit and what was spent.
   */
  reserve(principal: Principal, maxCostNano: number, requestId: string): Promise<BudgetReservation | null>;
  /**
   * Replaces the reservation by the actual cost. Never throws or rejects; resolves once the
   * settlement is written (USAGE_DURABLE_ACK; at most USAGE_ACK_TIMEOUT_MS), at once otherwise.
   */
  settle(reservation: BudgetReservation, actualCostNano: number): Promise<void>;
  /** Gives the reservation back (the request failed before costing anything). Never throws. */
  release(reservation: BudgetReservation): void;
  /**
   * Grows the reservation by `extraNano` against the same budgets, all or nothing (a stream that
   * reached what it reserved). `leaseOnly`: only when the budget has ample room (from this
   * replica's lease, no database round trip and no competition with requests near the limit).
   * Resolves false when it does not fit; never throws.
   */
  extend(
    reservation: BudgetReservation,
    extraNano: number,
    options?: { leaseOnly?: boolean },
  ): Promise<boolean>;
  /**
   * Adds spend that had no reservation (a small call made on the request's behalf before it was
   * priced, e.g. the intent classifier's LLM fallback) to every budget that applies. Never throws;
   * may exceed a limit by that amount.
   */
  charge(principal: Principal, costNano: number): void;
}

export const BUDGET_ENFORCER = Symbol('BUDGET_ENFORCER');

export interface UsageEvent {
  requestId: string;
  tenantId: string;
  apiKeyId: string | null;
  provider: ProviderKey | 'cache';
  model: string;
  intent: string | null;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  costNano: number;
  /** What a cache hit saved (the cost of the original call). */
  savedNano: number;
  latencyMs: number;
  /** HTTP status returned to the client. */
  status: number;
  cacheHit: boolean;
  /** Billed at an estimated price (the model's price is not in the catalog); default false. */
  pricingEstimated?: boolean;
  createdAt: Date;
  /**
   * Set for a request the gateway refused (policy, safety, budget, rate limit): its error code.
   * Such an event has no tokens and no cost and counts as a refusal, not a request, in reports.
   */
  refusal?: string | null;
  /** The router chose the model (the client asked for auto routing); default false. */
  autoRouted?: boolean;
  /** A fallback of the routing chain answered, not the decision's target; default false. */
  fallback?: boolean;
}

/**
 * Buffers usage events and writes them in batches. Never throws or rejects; resolves once the
 * event is written (USAGE_DURABLE_ACK; at most USAGE_ACK_TIMEOUT_MS), at once otherwise.
 */
export interface UsageRecorder {
  record(event: UsageEvent): Promise<void>;
}

export const USAGE_RECORDER = Symbol('USAGE_RECORDER');
