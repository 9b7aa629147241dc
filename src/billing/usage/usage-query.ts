/**
 * GET /admin/tenants/:id/usage: one tenant's totals, grouped by at most one dimension. It is the
 * per-tenant form of the spend report (usage-report.ts), which answers it.
 */
export const USAGE_GROUP_BY = ['model', 'provider', 'intent', 'day'] as const;
export type UsageGroupBy = (typeof USAGE_GROUP_BY)[number];

export interface UsageTotals {
  requests: number;
  errors: number;
  cacheHits: number;
  /** Requests the gateway refused (policy, safety, budget, rate limit): not in `requests`. */
  refusals: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  costNano: number;
  savedNano: number;
  /** Served requests billed at an estimated price (pricing "estimated"). */
  estimatedPriceRequests: number;
}

export interface UsageGroup extends UsageTotals {
  /** The model, provider, intent (null = none) or YYYY-MM-DD day. */
  key: string | null;
}

export interface UsageReport {
  tenantId: string;
  from: Date;
  to: Date;
  groupBy: UsageGroupBy | null;
  totals: UsageTotals;
  groups: UsageGroup[];
}
