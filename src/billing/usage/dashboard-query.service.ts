import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { LatencyBucketCount } from './dashboard-rollups';

/**
 * A range of whole UTC days (first and last included) and the tenants it covers: `scopeTenantId`
 * confines a tenant admin to its tenant, `tenantId` filters (both apply when both are set).
 */
export interface DailyRangeQuery {
  firstDay: string;
  lastDay: string;
  tenantId?: string;
  scopeTenantId: string | null;
}

export interface DailyLatency {
  day: string;
  buckets: LatencyBucketCount[];
}

/** The auto-routed requests of one intent over the range (usage_routing_daily). */
export interface RoutedIntentRow {
  intent: string | null;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  costNano: number;
}

/** The requests a fallback answered, per answering model, over the range (usage_fallback_daily). */
export interface FallbackRow {
  provider: string;
  model: string;
  requests: number;
}

function where(query: DailyRangeQuery): { sql: string; params: unknown[] } {
  const params: unknown[] = [query.firstDay, query.lastDay];
  const conditions = ['day >= $1::date', 'day <= $2::date'];
  for (const tenant of [query.scopeTenantId, query.tenantId ?? null]) {
    if (tenant === null) continue;
    params.push(tenant);
    conditions.push(`tenant_id = $${params.length}::uuid`);
  }
  return { sql: conditions.join(' AND '), params };
}

/**
 * Reads the dashboard's roll-ups (dashboard-rollups.ts): a latency histogram per day, the routed
 * requests per intent, the fallbacks per model. Each is one statement over at most (days ×
 * tenants × buckets, intents or models) roll-up rows, whatever the number of usage rows.
 */
@Injectable()
export class DashboardQueryService {
  constructor(private readonly dataSource: DataSource) {}

  async latencyByDay(query: DailyRangeQuery): Promise<DailyLatency[]> {
    const { sql, params } = where(query);
    const rows: Array<{ day: string; bucket: number; requests: string | number }> =
      await this.dataSource.query(
        `SELECT to_char(day, 'YYYY-MM-DD') AS day, bucket, sum(requests)::int8 AS requests
         FROM usage_latency_daily WHERE ${sql} GROUP BY day, bucket ORDER BY day, bucket`,
        params,
      );
    const days = new Map<string, LatencyBucketCount[]>();
    for (const row of rows) {
      const list = days.get(row.day) ?? [];
      list.push({ bucket: Number(row.bucket), requests: Number(row.requests) });
      days.set(row.day, list);
    }
    return [...days].map(([day, buckets]) => ({ day, buckets }));
  }

  async routedByIntent(query: DailyRangeQuery): Promise<RoutedIntentRow[]> {
    const { sql, params } = where(query);
    const rows: Array<Record<string, string | number | null>> = await this.dataSource.query(
      `SELECT NULLIF(intent, '') AS intent, sum(requests)::int8 AS requests, sum(prompt_tokens)::int8 AS prompt_tokens,
              sum(completion_tokens)::int8 AS completion_tokens, sum(cached_tokens)::int8 AS cached_tokens,
              sum(cost_nano)::int8 AS cost_nano
         FROM usage_routing_daily WHERE ${sql}
        GROUP BY 1 ORDER BY 1`,
      params,
    );
    return rows.map((row) => ({
      intent: row.intent === null ? null : String(row.intent),
      requests: Number(row.requests),
      promptTokens: Number(row.prompt_tokens),
      completionTokens: Number(row.completion_tokens),
      cachedTokens: Number(row.cached_tokens),
      costNano: Number(row.cost_nano),
    }));
  }

  async fallbacks(query: DailyRangeQuery): Promise<FallbackRow[]> {
    const { sql, params } = where(query);
    const rows: Array<{ provider: string; model: string; requests: string | number }> =
      await this.dataSource.query(
        `SELECT provider, model, sum(requests)::int8 AS requests FROM usage_fallback_daily WHERE ${sql}
          GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2`,
        params,
      );
    return rows.map((row) => ({ provider: row.provider, model: row.model, requests: Number(row.requests) }));
  }
}
