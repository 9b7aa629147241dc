/**
 * Planning of the usage query: whole UTC days come from the daily roll-up (a few rows per day),
 * only the partial days at the edges of [from, to) are aggregated from raw usage rows through
 * the (tenant_id, created_at) index. The cost is then bounded by days × models, plus at most
 * two partial days of raw rows, whatever the number of rows in the range.
 */
export const USAGE_GROUP_BY = ['model', 'provider', 'intent', 'day'] as const;
export type UsageGroupBy = (typeof USAGE_GROUP_BY)[number];

const DAY_MS = 86_400_000;

export interface UsageRangePlan {
  /** Whole days [rollupFrom, rollupTo) as YYYY-MM-DD; equal when there are none. */
  rollupFrom: string;
  rollupTo: string;
  /** Up to two raw time ranges [start, end) (empty ranges have start = end). */
  raw: [[Date, Date], [Date, Date]];
}

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function planUsageRange(from: Date, to: Date): UsageRangePlan {
  const start = from.getTime();
  const end = Math.max(start, to.getTime());
  const firstWholeDay = Math.ceil(start / DAY_MS) * DAY_MS;
  const wholeDaysEnd = Math.floor(end / DAY_MS) * DAY_MS;
  if (firstWholeDay >= wholeDaysEnd) {
    const day = isoDay(start);
    return {
      rollupFrom: day,
      rollupTo: day,
      raw: [
        [new Date(start), new Date(end)],
        [new Date(end), new Date(end)],
      ],
    };
  }
  return {
    rollupFrom: isoDay(firstWholeDay),
    rollupTo: isoDay(wholeDaysEnd),
    raw: [
      [new Date(start), new Date(firstWholeDay)],
      [new Date(wholeDaysEnd), new Date(end)],
    ],
  };
}

/** SQL expressions for the group key, on the roll-up and on raw rows (whitelisted, never user text). */
export function groupKeyExpressions(groupBy: UsageGroupBy | null): { rollup: string; raw: string } {
  switch (groupBy) {
    case null:
      return { rollup: `''`, raw: `''` };
    case 'model':
      return { rollup: 'model', raw: 'model' };
    case 'provider':
      return { rollup: 'provider', raw: 'provider' };
    case 'intent':
      return { rollup: `NULLIF(intent, '')`, raw: 'intent' };
    case 'day':
      return {
        rollup: `to_char(day, 'YYYY-MM-DD')`,
        raw: `to_char((created_at AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD')`,
      };
  }
}

export interface UsageTotals {
  requests: number;
  errors: number;
  cacheHits: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  costNano: number;
  savedNano: number;
  /** Requests billed at an estimated price (models without a catalog price). */
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

export function emptyTotals(): UsageTotals {
  return {
    requests: 0,
    errors: 0,
    cacheHits: 0,
    promptTokens: 0,
    completionTokens: 0,
    cachedTokens: 0,
    costNano: 0,
    savedNano: 0,
    estimatedPriceRequests: 0,
  };
}

export function sumTotals(groups: readonly UsageTotals[]): UsageTotals {
  const totals = emptyTotals();
  for (const g of groups) {
    totals.requests += g.requests;
    totals.errors += g.errors;
    totals.cacheHits += g.cacheHits;
    totals.promptTokens += g.promptTokens;
    totals.completionTokens += g.completionTokens;
    totals.cachedTokens += g.cachedTokens;
    totals.costNano += g.costNano;
    totals.savedNano += g.savedNano;
    totals.estimatedPriceRequests += g.estimatedPriceRequests;
  }
  return totals;
}
