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

/** One group of usage_routing_daily over the range. */
export interface RoutingRollupRow {
  autoRouted: boolean;
  intent: string | null;
  provider: string;
  model: string;
  requests: number;
  fallbacks: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  costNano: number;
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
 * requests per intent and model. Each is one statement over at most (days × tenants × buckets or
 * models) roll-up rows, whatever the number of usage rows.
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

  async routing(query: DailyRangeQuery): Promise<RoutingRollupRow[]> {
    const { sql, params } = where(query);
    const rows: Array<Record<string, string | number | boolean | null>> = await this.dataSource.query(
      `SELECT auto_routed, NULLIF(intent, '') AS intent, provider, model, sum(requests)::int8 AS requests,
              sum(fallbacks)::int8 AS fallbacks, sum(prompt_tokens)::int8 AS prompt_tokens,
              sum(completion_tokens)::int8 AS completion_tokens, sum(cached_tokens)::int8 AS cached_tokens,
              sum(cost_nano)::int8 AS cost_nano
         FROM usage_routing_daily WHERE ${sql}
        GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`,
      params,
    );
    return rows.map((row) => ({
      autoRouted: row.auto_routed === true,
      intent: row.intent === null ? null : String(row.intent),
      provider: String(row.provider),
      model: String(row.model),
      requests: Number(row.requests),
      fallbacks: Number(row.fallbacks),
      promptTokens: Number(row.prompt_tokens),
      completionTokens: Number(row.completion_tokens),
      cachedTokens: Number(row.cached_tokens),
      costNano: Number(row.cost_nano),
    }));
  }
}
