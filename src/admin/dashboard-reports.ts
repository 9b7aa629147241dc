import { IsOptional, IsUUID } from 'class-validator';
import { budgetResponse, type BudgetResponse } from '../billing/admin/admin.responses';
import type { ListedBudget } from '../billing/admin/budget-list.service';
import { latencyQuantile, type LatencyBucketCount } from '../billing/usage/dashboard-rollups';
import type { DailyLatency, DailyRangeQuery, FallbackRow } from '../billing/usage/dashboard-query.service';
import { nanoToUsd } from '../common/pricing';
import type { RoutingSavings } from '../routing/premium-baseline';
import { TimeRangeQueryDto, resolveTimeRange } from '../common/time-range';

/**
 * The dashboard's read-only reports over its roll-ups (GET /admin/usage/latency,
 * GET /admin/usage/routing) and the budget list (GET /admin/budgets): query parsing and the
 * response shapes, pure.
 */
export const DEFAULT_RANGE_DAYS = 30;
export const MAX_RANGE_DAYS = 366;

/** `from`/`to` (ISO 8601, default: the 30 days before now) and an optional tenant filter. */
export class DailyRangeQueryDto extends TimeRangeQueryDto {
  @IsOptional() @IsUUID('all', { message: 'tenant must be a tenant id (UUID)' }) tenant?: string;
}

/**
 * The whole UTC days that [from, to) touches (the roll-ups are daily; the current day trails the
 * raw rows by at most one roll-up pass, once per USAGE_FLUSH_INTERVAL_MS: docs/billing.md).
 */
export function dailyRangeFromDto(
  dto: DailyRangeQueryDto,
  scopeTenantId: string | null,
  now: Date = new Date(),
): DailyRangeQuery {
  const { from, to } = resolveTimeRange(
    dto,
    { defaultDays: DEFAULT_RANGE_DAYS, maxDays: MAX_RANGE_DAYS },
    now,
  );
  return {
    firstDay: from.toISOString().slice(0, 10),
    lastDay: new Date(to.getTime() - 1).toISOString().slice(0, 10),
    tenantId: dto.tenant?.toLowerCase(),
    scopeTenantId,
  };
}

const usd = (nano: number) => nanoToUsd(nano);
const ms = (value: number | null) => (value === null ? null : Math.round(value));

interface LatencyFigures {
  requests: number;
  p50_ms: number | null;
  p90_ms: number | null;
  p99_ms: number | null;
}

function figures(buckets: readonly LatencyBucketCount[]): LatencyFigures {
  return {
    requests: buckets.reduce((sum, b) => sum + b.requests, 0),
    p50_ms: ms(latencyQuantile(buckets, 0.5)),
    p90_ms: ms(latencyQuantile(buckets, 0.9)),
    p99_ms: ms(latencyQuantile(buckets, 0.99)),
  };
}

export interface LatencyResponse {
  object: 'usage.latency';
  first_day: string;
  last_day: string;
  tenant: string | null;
  totals: LatencyFigures;
  days: Array<LatencyFigures & { day: string }>;
}

/** Quantiles per day and over the whole range (the days' buckets summed). */
export function latencyResponse(query: DailyRangeQuery, days: readonly DailyLatency[]): LatencyResponse {
  const all = new Map<number, number>();
  for (const d of days) for (const b of d.buckets) all.set(b.bucket, (all.get(b.bucket) ?? 0) + b.requests);
  return {
    object: 'usage.latency',
    first_day: query.firstDay,
    last_day: query.lastDay,
    tenant: query.tenantId ?? null,
    totals: figures([...all].map(([bucket, requests]) => ({ bucket, requests }))),
    days: days.map((d) => ({ day: d.day, ...figures(d.buckets) })),
  };
}

export interface RoutingResponse {
  object: 'usage.routing';
  first_day: string;
  last_day: string;
  tenant: string | null;
  savings: {
    requests: number;
    cost_usd: number;
    premium_cost_usd: number;
    saved_usd: number;
    /** saved / premium cost (null without auto-routed spend). */
    saved_ratio: number | null;
    by_intent: Array<{
      intent: string | null;
      premium_model: string | null;
      requests: number;
      cost_usd: number;
      premium_cost_usd: number;
      saved_usd: number;
    }>;
  };
  fallbacks: {
    requests: number;
    by_model: Array<{ provider: string; model: string; requests: number }>;
  };
}

/** The savings (computed by routingSavings over the auto-routed rows) and the fallback counts. */
export function routingResponse(
  query: DailyRangeQuery,
  savings: RoutingSavings,
  fallbacks: readonly FallbackRow[],
): RoutingResponse {
  const byModel = [...fallbacks].sort((a, b) => b.requests - a.requests);
  return {
    object: 'usage.routing',
    first_day: query.firstDay,
    last_day: query.lastDay,
    tenant: query.tenantId ?? null,
    savings: {
      requests: savings.requests,
      cost_usd: usd(savings.costNano),
      premium_cost_usd: usd(savings.premiumCostNano),
      saved_usd: usd(savings.savedNano),
      saved_ratio: savings.premiumCostNano > 0 ? savings.savedNano / savings.premiumCostNano : null,
      by_intent: savings.byIntent.map((line) => ({
        intent: line.intent,
        premium_model: line.premiumModel,
        requests: line.requests,
        cost_usd: usd(line.costNano),
        premium_cost_usd: usd(line.premiumCostNano),
        saved_usd: usd(line.premiumCostNano - line.costNano),
      })),
    },
    fallbacks: { requests: byModel.reduce((sum, f) => sum + f.requests, 0), by_model: byModel },
  };
}

export type ListedBudgetResponse = BudgetResponse & {
  tenant_name: string;
  key_name: string | null;
  /** Linear forecast of the spend at period end (null: a `total` budget has no end). */
  forecast_usd: number | null;
};

export function budgetListResponse(list: { budgets: readonly ListedBudget[]; hasMore: boolean }): {
  object: 'list';
  data: ListedBudgetResponse[];
  has_more: boolean;
} {
  return {
    object: 'list',
    data: list.budgets.map((b) => ({
      ...budgetResponse(b),
      tenant_name: b.tenantName,
      key_name: b.keyName,
      forecast_usd: b.forecastNano === null ? null : usd(b.forecastNano),
    })),
    has_more: list.hasMore,
  };
}
