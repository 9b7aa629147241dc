import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  groupKeyExpressions,
  planUsageRange,
  sumTotals,
  type UsageGroup,
  type UsageGroupBy,
  type UsageReport,
} from './usage-query';

interface GroupRow {
  g: string | null;
  requests: number | string;
  errors: number | string;
  cache_hits: number | string;
  prompt_tokens: number | string;
  completion_tokens: number | string;
  cached_tokens: number | string;
  cost_nano: number | string;
  saved_nano: number | string;
}

/** Usage totals and groups for a tenant and time range (see usage-query.ts for the plan). */
@Injectable()
export class UsageQueryService {
  constructor(private readonly dataSource: DataSource) {}

  async report(tenantId: string, from: Date, to: Date, groupBy: UsageGroupBy | null): Promise<UsageReport> {
    const plan = planUsageRange(from, to);
    const key = groupKeyExpressions(groupBy);
    const rows: GroupRow[] = await this.dataSource.query(
      `SELECT g, sum(requests)::int8 AS requests, sum(errors)::int8 AS errors, sum(cache_hits)::int8 AS cache_hits,
              sum(prompt_tokens)::int8 AS prompt_tokens, sum(completion_tokens)::int8 AS completion_tokens,
              sum(cached_tokens)::int8 AS cached_tokens, sum(cost_nano)::int8 AS cost_nano,
              sum(saved_nano)::int8 AS saved_nano
         FROM (
           SELECT ${key.rollup} AS g, sum(requests) AS requests, sum(errors) AS errors, sum(cache_hits) AS cache_hits,
                  sum(prompt_tokens) AS prompt_tokens, sum(completion_tokens) AS completion_tokens,
                  sum(cached_tokens) AS cached_tokens, sum(cost_nano) AS cost_nano, sum(saved_nano) AS saved_nano
             FROM usage_daily
            WHERE tenant_id = $1::uuid AND day >= $2::date AND day < $3::date
            GROUP BY 1
           UNION ALL
           SELECT ${key.raw} AS g, count(*) FILTER (WHERE refusal IS NULL) AS requests,
                  count(*) FILTER (WHERE refusal IS NULL AND status >= 400) AS errors,
                  count(*) FILTER (WHERE refusal IS NULL AND cache_hit) AS cache_hits, sum(prompt_tokens) AS prompt_tokens,
                  sum(completion_tokens) AS completion_tokens, sum(cached_tokens) AS cached_tokens,
                  sum(cost_nano) AS cost_nano, sum(saved_nano) AS saved_nano
             FROM usage_records
            WHERE tenant_id = $1::uuid
              AND ((created_at >= $4::timestamptz AND created_at < $5::timestamptz)
                OR (created_at >= $6::timestamptz AND created_at < $7::timestamptz))
            GROUP BY 1
         ) u
        GROUP BY g
        ORDER BY g NULLS LAST`,
      [
        tenantId,
        plan.rollupFrom,
        plan.rollupTo,
        plan.raw[0][0].toISOString(),
        plan.raw[0][1].toISOString(),
        plan.raw[1][0].toISOString(),
        plan.raw[1][1].toISOString(),
      ],
    );
    const groups: UsageGroup[] = rows.map((row) => ({
      key: row.g,
      requests: Number(row.requests),
      errors: Number(row.errors),
      cacheHits: Number(row.cache_hits),
      promptTokens: Number(row.prompt_tokens),
      completionTokens: Number(row.completion_tokens),
      cachedTokens: Number(row.cached_tokens),
      costNano: Number(row.cost_nano),
      savedNano: Number(row.saved_nano),
    }));
    return { tenantId, from, to, groupBy, totals: sumTotals(groups), groups: groupBy === null ? [] : groups };
  }
}
