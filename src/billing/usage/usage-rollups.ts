/**
 * The usage roll-ups and the SQL shared by the batch writer (which maintains them) and the
 * report (which reads them and aggregates the raw rows of partial hours the same way), so the
 * two can never count differently.
 *
 * | table           | grain    | dimensions                                   |
 * |-----------------|----------|----------------------------------------------|
 * | usage_daily     | UTC day  | tenant, provider, model, intent              |
 * | usage_key_daily | UTC day  | tenant, key, provider, model, intent         |
 * | usage_hourly    | UTC hour | tenant, key, provider, model, intent         |
 *
 * Measures: requests, errors (status ≥ 400) and cache hits count served requests; refusals
 * count refused ones (usage rows with a `refusal` code, no tokens, no cost); tokens, cost and
 * savings are sums. Intent is '' and the key the nil UUID in a roll-up when the row has none.
 */

/** The roll-ups' key for "no database key" (static API_KEYS): a primary key cannot hold NULL. */
export const NO_KEY_ID = '00000000-0000-0000-0000-000000000000';

/** The measure columns of every roll-up, in this order. */
export const ROLLUP_MEASURES = [
  'requests',
  'errors',
  'cache_hits',
  'refusals',
  'prompt_tokens',
  'completion_tokens',
  'cached_tokens',
  'cost_nano',
  'saved_nano',
] as const;

/** The measures aggregated from raw usage rows, in ROLLUP_MEASURES order. */
export const RAW_MEASURE_EXPRESSIONS: readonly string[] = [
  'count(*) FILTER (WHERE refusal IS NULL)',
  'count(*) FILTER (WHERE refusal IS NULL AND status >= 400)',
  'count(*) FILTER (WHERE refusal IS NULL AND cache_hit)',
  'count(*) FILTER (WHERE refusal IS NOT NULL)',
  'sum(prompt_tokens)',
  'sum(completion_tokens)',
  'sum(cached_tokens)',
  'sum(cost_nano)',
  'sum(saved_nano)',
];

/** The UTC hour of a raw row, as the timestamptz stored in usage_hourly. */
export const RAW_HOUR = `(date_trunc('hour', created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')`;
/** The UTC day of a raw row. */
export const RAW_DAY = `(created_at AT TIME ZONE 'UTC')::date`;

interface RollupTable {
  name: string;
  /** Key columns after tenant_id, and the expressions computing them from raw rows. */
  keys: Array<[column: string, fromRaw: string]>;
}

const KEY_COLUMN: [string, string] = ['api_key_id', `COALESCE(api_key_id, '${NO_KEY_ID}'::uuid)`];
const TAIL: Array<[string, string]> = [
  ['provider', 'provider'],
  ['model', 'model'],
  ['intent', `COALESCE(intent, '')`],
];

export const ROLLUP_TABLES: readonly RollupTable[] = [
  { name: 'usage_daily', keys: [['day', RAW_DAY], ...TAIL] },
  { name: 'usage_key_daily', keys: [['day', RAW_DAY], KEY_COLUMN, ...TAIL] },
  { name: 'usage_hourly', keys: [['hour', RAW_HOUR], KEY_COLUMN, ...TAIL] },
];

/**
 * The upsert of one roll-up from the rows of `source` (a CTE of inserted raw rows). Rows are
 * upserted in key order, so two replicas flushing at once cannot deadlock on them.
 */
export function rollupUpsertSql(table: RollupTable, source: string): string {
  const keyColumns = ['tenant_id', ...table.keys.map(([column]) => column)];
  const positions = keyColumns.map((_, i) => i + 1).join(', ');
  return `INSERT INTO ${table.name} AS r (${keyColumns.join(', ')}, ${ROLLUP_MEASURES.join(', ')})
SELECT tenant_id, ${table.keys.map(([, expression]) => expression).join(', ')}, ${RAW_MEASURE_EXPRESSIONS.join(', ')}
  FROM ${source}
 GROUP BY ${positions}
 ORDER BY ${positions}
ON CONFLICT (${keyColumns.join(', ')}) DO UPDATE SET
  ${ROLLUP_MEASURES.map((m) => `${m} = r.${m} + EXCLUDED.${m}`).join(',\n  ')}`;
}
