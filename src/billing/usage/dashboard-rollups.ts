/**
 * The dashboard's roll-ups (migration 1764910000000), maintained by the batch writer in the
 * same statement as the raw rows and the spend report's roll-ups (usage-writer.ts), so that they
 * always equal the sum of the raw rows, on every replica, across restarts:
 *
 * - usage_latency_daily (tenant, UTC day, bucket): how many served client requests took a
 *   latency in each log-scale bucket. Quantiles (p50, p99) of any set of days and tenants are
 *   read from the summed buckets (latencyQuantile). Bucket b holds latencies with
 *   log2(ms + 1) in [b/4, (b+1)/4): each bucket is 19 % wide, the interpolated quantile is within
 *   about ±10 % of the exact one.
 * - usage_routing_daily (tenant, UTC day, intent): the served, upstream-answered chat requests the
 *   router chose the model for (auto_routed), with their tokens and cost: the auto-routing savings
 *   against always-premium (the same tokens priced at the premium model of their intent, see
 *   routing/premium-baseline.ts).
 * - usage_fallback_daily (tenant, UTC day, provider, model): the requests a fallback of the routing
 *   chain answered, per answering model.
 */

/**
 * Usage rows that are not a client request of their own: the intent classifier's and the semantic
 * cache's model calls (recorded with latency 0) and /v1/embeddings. The same strings as
 * CLASSIFIER_USAGE_INTENT, CACHE_EMBEDDING_USAGE_INTENT and EMBEDDINGS_USAGE_INTENT in src/chat
 * (a layer above; dashboard-rollups.spec.ts checks that they agree).
 */
export const NON_CHAT_INTENTS = ['intent_fallback', 'cache_embed', 'embeddings'] as const;

/** Buckets per doubling of (latency + 1 ms). */
export const LATENCY_BUCKETS_PER_DOUBLING = 4;

/** The bucket of a raw row's latency_ms, in SQL (the writer's and the migration's expression). */
export const RAW_LATENCY_BUCKET = `floor(ln(GREATEST(latency_ms, 0) + 1.0) / ln(2.0) * ${LATENCY_BUCKETS_PER_DOUBLING} + 1e-9)::int2`;

/** The raw rows a latency bucket counts: served (not refused) client requests. */
export const RAW_LATENCY_FILTER = `refusal IS NULL AND COALESCE(intent, '') NOT IN (${NON_CHAT_INTENTS.map((i) => `'${i}'`).join(', ')})`;

/** [lower, upper) latency in ms of a bucket. */
export function latencyBucketBounds(bucket: number): [number, number] {
  const at = (b: number) => Math.pow(2, b / LATENCY_BUCKETS_PER_DOUBLING) - 1;
  return [at(bucket), at(bucket + 1)];
}

/** The bucket of a latency (the TypeScript twin of RAW_LATENCY_BUCKET, for tests and tools). */
export function latencyBucket(ms: number): number {
  return Math.floor(Math.log2(Math.max(0, ms) + 1) * LATENCY_BUCKETS_PER_DOUBLING + 1e-9);
}

export interface LatencyBucketCount {
  bucket: number;
  requests: number;
}

/**
 * The q-quantile (0 < q ≤ 1) of a latency histogram, in ms, interpolated linearly inside the
 * bucket where the rank falls (as Prometheus' histogram_quantile does); null without requests.
 */
export function latencyQuantile(buckets: readonly LatencyBucketCount[], q: number): number | null {
  const sorted = buckets.filter((b) => b.requests > 0).sort((a, b) => a.bucket - b.bucket);
  const total = sorted.reduce((sum, b) => sum + b.requests, 0);
  if (total === 0) return null;
  const rank = Math.min(1, Math.max(0, q)) * total;
  let below = 0;
  for (const b of sorted) {
    if (below + b.requests >= rank) {
      const [low, high] = latencyBucketBounds(b.bucket);
      return low + (high - low) * ((rank - below) / b.requests);
    }
    below += b.requests;
  }
  return latencyBucketBounds(sorted[sorted.length - 1].bucket)[1];
}

const LATENCY_UPSERT = (
  source: string,
) => `INSERT INTO usage_latency_daily AS r (tenant_id, day, bucket, requests)
SELECT tenant_id, (created_at AT TIME ZONE 'UTC')::date, ${RAW_LATENCY_BUCKET}, count(*)
  FROM ${source}
 WHERE ${RAW_LATENCY_FILTER}
 GROUP BY 1, 2, 3
 ORDER BY 1, 2, 3
ON CONFLICT (tenant_id, day, bucket) DO UPDATE SET requests = r.requests + EXCLUDED.requests`;

/** Measures of usage_routing_daily, in this order. */
export const ROUTING_MEASURES = [
  'requests',
  'prompt_tokens',
  'completion_tokens',
  'cached_tokens',
  'cost_nano',
] as const;

/**
 * The auto-routed requests per tenant, day and intent: what the savings need (the baseline's price
 * depends on the intent only; the actual cost is summed), nothing more, so that it stays small.
 */
const ROUTING_UPSERT = (
  source: string,
) => `INSERT INTO usage_routing_daily AS r (tenant_id, day, intent, ${ROUTING_MEASURES.join(', ')})
SELECT tenant_id, (created_at AT TIME ZONE 'UTC')::date, COALESCE(intent, ''),
       count(*), sum(prompt_tokens), sum(completion_tokens), sum(cached_tokens), sum(cost_nano)
  FROM ${source}
 WHERE refusal IS NULL AND auto_routed
 GROUP BY 1, 2, 3
 ORDER BY 1, 2, 3
ON CONFLICT (tenant_id, day, intent) DO UPDATE SET
  ${ROUTING_MEASURES.map((m) => `${m} = r.${m} + EXCLUDED.${m}`).join(',\n  ')}`;

/** The requests a fallback answered, per tenant, day and answering model (routed or explicit). */
const FALLBACK_UPSERT = (
  source: string,
) => `INSERT INTO usage_fallback_daily AS r (tenant_id, day, provider, model, requests)
SELECT tenant_id, (created_at AT TIME ZONE 'UTC')::date, provider, model, count(*)
  FROM ${source}
 WHERE refusal IS NULL AND fallback
 GROUP BY 1, 2, 3, 4
 ORDER BY 1, 2, 3, 4
ON CONFLICT (tenant_id, day, provider, model) DO UPDATE SET requests = r.requests + EXCLUDED.requests`;

/**
 * The upserts of the three roll-ups (latency, routing, fallback) from the rows of `source` (the
 * roll-up pass's CTE of rows taken from the queue, or usage_records to rebuild), in key order (no
 * deadlock between replicas rolling up at once).
 */
export function dashboardRollupUpserts(source: string): string[] {
  return [LATENCY_UPSERT(source), ROUTING_UPSERT(source), FALLBACK_UPSERT(source)];
}
