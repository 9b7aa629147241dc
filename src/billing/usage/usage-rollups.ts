/**
 * The usage roll-ups and the SQL shared by the batch writer (which maintains them all in its one
 * statement) and the report (which reads them, and aggregates the raw rows of partial hours the
 * same way), so that they can never count differently. Each roll-up is keyed by a UTC hour, UTC
 * day, ISO week (from Monday) or calendar month and by its dimensions; the tenant is one of them
 * (the `platform` roll-ups have none, for reports across tenants). ROLLUP_TABLES lists them with
 * their sizes in the 10 M-row bench in docs/billing.md.
 *
 * A report reads, at each grain, the FIRST (smallest) roll-up that has every dimension it
 * groups by or filters on. Measures: requests, errors (status ≥ 400) and cache hits count served
 * requests; refusals count refused ones (usage rows with a `refusal` code, no tokens, no cost);
 * tokens, cost and savings are sums; estimated_price_requests counts served requests billed at
 * an estimated price. Intent is '' and the key the nil UUID in a roll-up when
 * the row has none.
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
  'estimated_price_requests',
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
  'count(*) FILTER (WHERE refusal IS NULL AND pricing_estimated)',
];

/** The UTC hour of a raw row, as the timestamptz stored in usage_hourly. */
export const RAW_HOUR = `(date_trunc('hour', created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')`;
/** The UTC day of a raw row. */
export const RAW_DAY = `(created_at AT TIME ZONE 'UTC')::date`;

export type RollupDimension = 'tenant' | 'key' | 'provider' | 'model' | 'intent';

/** UTC hours and days, ISO weeks (from Monday), calendar months. */
export type RollupGrain = 'hour' | 'day' | 'week' | 'month';

export interface RollupTable {
  name: string;
  grain: RollupGrain;
  /** Dimensions besides time, in key order (the primary key: tenant, time, the others). */
  dimensions: readonly RollupDimension[];
}

/** Column and expression on raw rows of each roll-up key. */
const KEY_SQL: Record<RollupGrain | RollupDimension, [column: string, fromRaw: string]> = {
  hour: ['hour', RAW_HOUR],
  day: ['day', RAW_DAY],
  week: ['week', `date_trunc('week', created_at AT TIME ZONE 'UTC')::date`],
  month: ['month', `date_trunc('month', created_at AT TIME ZONE 'UTC')::date`],
  tenant: ['tenant_id', 'tenant_id'],
  key: ['api_key_id', `COALESCE(api_key_id, '${NO_KEY_ID}'::uuid)`],
  provider: ['provider', 'provider'],
  model: ['model', 'model'],
  intent: ['intent', `COALESCE(intent, '')`],
};

/** Every roll-up, smallest first within a grain (the order in which a report picks them). */
export const ROLLUP_TABLES: readonly RollupTable[] = [
  { name: 'usage_platform_daily', grain: 'day', dimensions: ['provider', 'model', 'intent'] },
  { name: 'usage_tenant_daily', grain: 'day', dimensions: ['tenant'] },
  { name: 'usage_model_daily', grain: 'day', dimensions: ['tenant', 'provider', 'model'] },
  { name: 'usage_tenant_key_daily', grain: 'day', dimensions: ['tenant', 'key'] },
  { name: 'usage_daily', grain: 'day', dimensions: ['tenant', 'provider', 'model', 'intent'] },
  { name: 'usage_key_model_daily', grain: 'day', dimensions: ['tenant', 'key', 'provider', 'model'] },
  { name: 'usage_key_daily', grain: 'day', dimensions: ['tenant', 'key', 'provider', 'model', 'intent'] },
  { name: 'usage_platform_hourly', grain: 'hour', dimensions: ['provider', 'model', 'intent'] },
  { name: 'usage_tenant_hourly', grain: 'hour', dimensions: ['tenant'] },
  { name: 'usage_tenant_key_hourly', grain: 'hour', dimensions: ['tenant', 'key'] },
  { name: 'usage_model_hourly', grain: 'hour', dimensions: ['tenant', 'provider', 'model'] },
  { name: 'usage_hourly', grain: 'hour', dimensions: ['tenant', 'key', 'provider', 'model', 'intent'] },
  { name: 'usage_platform_weekly', grain: 'week', dimensions: ['provider', 'model', 'intent'] },
  { name: 'usage_tenant_key_weekly', grain: 'week', dimensions: ['tenant', 'key'] },
  { name: 'usage_weekly', grain: 'week', dimensions: ['tenant', 'provider', 'model', 'intent'] },
  { name: 'usage_platform_monthly', grain: 'month', dimensions: ['provider', 'model', 'intent'] },
  { name: 'usage_tenant_key_monthly', grain: 'month', dimensions: ['tenant', 'key'] },
  { name: 'usage_monthly', grain: 'month', dimensions: ['tenant', 'provider', 'model', 'intent'] },
];

/** The smallest roll-up of a grain that has every dimension needed (null: none has them). */
export function chooseRollup(grain: RollupGrain, needed: ReadonlySet<RollupDimension>): RollupTable | null {
  return (
    ROLLUP_TABLES.find((t) => t.grain === grain && [...needed].every((d) => t.dimensions.includes(d))) ?? null
  );
}

/** The primary key's columns with their expressions on raw rows: tenant (if any), time, the others. */
function keySql(table: RollupTable): Array<[string, string]> {
  const tenant = table.dimensions.includes('tenant') ? [KEY_SQL.tenant] : [];
  const others = table.dimensions.filter((d) => d !== 'tenant').map((d) => KEY_SQL[d]);
  return [...tenant, KEY_SQL[table.grain], ...others];
}

/**
 * The upsert of one roll-up from the rows of `source` (a CTE of inserted raw rows). Rows are
 * upserted in key order, so two replicas flushing at once cannot deadlock on them.
 */
export function rollupUpsertSql(table: RollupTable, source: string): string {
  const keys = keySql(table);
  const keyColumns = keys.map(([column]) => column);
  const positions = keyColumns.map((_, i) => i + 1).join(', ');
  return `INSERT INTO ${table.name} AS r (${keyColumns.join(', ')}, ${ROLLUP_MEASURES.join(', ')})
SELECT ${keys.map(([, expression]) => expression).join(', ')}, ${RAW_MEASURE_EXPRESSIONS.join(', ')}
  FROM ${source}
 GROUP BY ${positions}
 ORDER BY ${positions}
ON CONFLICT (${keyColumns.join(', ')}) DO UPDATE SET
  ${ROLLUP_MEASURES.map((m) => `${m} = r.${m} + EXCLUDED.${m}`).join(',\n  ')}`;
}
