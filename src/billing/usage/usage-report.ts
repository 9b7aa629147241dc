import type { UsageTotals } from './usage-query';
import {
  chooseRollup,
  NO_KEY_ID,
  RAW_MEASURE_EXPRESSIONS,
  ROLLUP_MEASURES,
  type RollupDimension,
  type RollupGrain,
  type RollupTable,
} from './usage-rollups';

/**
 * The spend report (GET /admin/usage): totals grouped by any combination of dimensions, over
 * any time range, answered from the roll-ups (usage-rollups.ts):
 *
 *   [from ─ raw ─ whole hours ─ hourly ─ whole days ─ daily ─ … ─ hourly ─ raw ─ to)
 *
 * Whole UTC days come from a daily roll-up, the whole hours of the partial days at the edges
 * from an hourly one (all of the range when grouping by hour), and only the partial hours at
 * the two edges from the raw rows. At each grain the smallest roll-up that has every dimension
 * the report groups by or filters on answers (chooseRollup). The cost is bounded by the roll-up rows of the range, plus at most
 * two partial hours of raw rows, whatever the number of rows in the range.
 *
 * SQL is built from whitelisted fragments only: user values (tenant, key, model, …, the time
 * range) are always bind parameters.
 */
export const REPORT_DIMENSIONS = ['tenant', 'key', 'model', 'provider', 'intent', 'day', 'hour'] as const;

/** `group_by`: a comma-separated list of dimensions (checked by test/hostile/regex-safety.spec.ts). */
export const GROUP_BY_LIST = new RegExp(
  `^(${REPORT_DIMENSIONS.join('|')})(,(${REPORT_DIMENSIONS.join('|')}))*$`,
);
export type ReportDimension = (typeof REPORT_DIMENSIONS)[number];

/** `intent=none` selects the requests that had no intent. */
export const NO_INTENT = 'none';

export interface ReportFilters {
  tenantId?: string;
  keyId?: string;
  model?: string;
  provider?: string;
  intent?: string;
}

export interface UsageReportQuery {
  from: Date;
  to: Date;
  /** Distinct dimensions, in the order the columns are wanted. */
  groupBy: readonly ReportDimension[];
  filters: ReportFilters;
  /**
   * The tenant the caller is confined to (a tenant admin's own: adminTenantScope), or null.
   * Applied on top of filters.tenantId, never instead of it.
   */
  scopeTenantId: string | null;
}

/** Where a segment is read: raw rows, or the roll-ups of a grain. */
export type ReportSource = 'monthly' | 'weekly' | 'daily' | 'hourly' | 'raw';

/** The roll-up grain of each source. */
export const SOURCE_GRAIN: Record<Exclude<ReportSource, 'raw'>, RollupGrain> = {
  monthly: 'month',
  weekly: 'week',
  daily: 'day',
  hourly: 'hour',
};

/** The roll-up sources, coarsest first (the order in which a plan carves a range). */
const ROLLUP_SOURCES = ['monthly', 'weekly', 'daily', 'hourly'] as const;
type RollupSource = (typeof ROLLUP_SOURCES)[number];

export interface ReportSegment {
  source: ReportSource;
  from: Date;
  to: Date;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
/** A Monday (1970-01-05): weeks are ISO weeks, Monday to Sunday, in UTC. */
const WEEK_ORIGIN_MS = 4 * DAY_MS;

const floorTo = (ms: number, step: number) => Math.floor(ms / step) * step;

/** The start of the UTC hour, day, ISO week or calendar month that holds `ms`. */
export function grainFloor(grain: RollupGrain, ms: number): number {
  switch (grain) {
    case 'hour':
      return floorTo(ms, HOUR_MS);
    case 'day':
      return floorTo(ms, DAY_MS);
    case 'week':
      return floorTo(ms - WEEK_ORIGIN_MS, WEEK_MS) + WEEK_ORIGIN_MS;
    case 'month': {
      const date = new Date(ms);
      return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
    }
  }
}

/** The first start of a period of the grain at or after `ms`. */
export function grainCeil(grain: RollupGrain, ms: number): number {
  const floor = grainFloor(grain, ms);
  if (floor === ms) return ms;
  if (grain !== 'month')
    return grainFloor(grain, floor + { hour: HOUR_MS, day: DAY_MS, week: WEEK_MS }[grain]);
  const date = new Date(floor);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
}

/** [a, b) carved into the whole periods of the first (coarsest) source, the rest by the next ones. */
function carve(
  a: number,
  b: number,
  sources: readonly RollupSource[],
): Array<[ReportSource, number, number]> {
  if (a >= b) return [];
  const [source, ...finer] = sources;
  if (source === undefined) return [['raw', a, b]];
  const grain = SOURCE_GRAIN[source];
  const c1 = grainCeil(grain, a);
  const c2 = grainFloor(grain, b);
  if (c1 >= c2) return carve(a, b, finer);
  return [...carve(a, c1, finer), [source, c1, c2], ...carve(c2, b, finer)];
}

/**
 * Splits [from, to) into the segments each source answers (non-empty, in time order): the whole
 * periods of the coarsest source, the rest of each edge by the next finer ones, raw rows last.
 * `sources`: the roll-up sources the report may read, coarsest first (e.g. only `hourly` when it
 * groups by hour; no `weekly` when no weekly roll-up has the dimensions it needs).
 */
export function planReportSegments(from: Date, to: Date, sources: readonly ReportSource[]): ReportSegment[] {
  const start = from.getTime();
  const end = Math.max(start, to.getTime());
  const ordered = ROLLUP_SOURCES.filter((s) => sources.includes(s));
  return carve(start, end, ordered).map(([source, a, b]) => ({ source, from: new Date(a), to: new Date(b) }));
}

/**
 * The roll-up each source reads for a query: the smallest of its grain that has every dimension
 * needed (chooseRollup), for the grains the grouping allows (not coarser than a day when grouping
 * by day, only hours when grouping by hour); a grain no roll-up covers is left to finer ones.
 */
export function reportSources(query: UsageReportQuery): Map<RollupSource, RollupTable> {
  const needed = neededDimensions(query);
  const finestGroup = query.groupBy.includes('hour') ? 3 : query.groupBy.includes('day') ? 2 : 0;
  const tables = new Map<RollupSource, RollupTable>();
  ROLLUP_SOURCES.forEach((source, i) => {
    const table = i >= finestGroup ? chooseRollup(SOURCE_GRAIN[source], needed) : null;
    if (table) tables.set(source, table);
  });
  return tables;
}

/** What a segment reads: raw rows or one roll-up table. */
export type ReportTable = 'raw' | RollupTable;

const describe = (table: ReportTable) => (table === 'raw' ? 'raw' : table.name);

/**
 * The SQL expression of a dimension on a table (a constant of this file, never user text), in
 * its native type (uuid, date, timestamp: cheaper to group than text); formatted once at the end
 * by dimensionOutput.
 */
export function dimensionExpression(dimension: ReportDimension, table: ReportTable): string {
  const raw = table === 'raw';
  const time = raw ? 'created_at' : table.grain === 'hour' ? 'hour' : null;
  const days = raw || table.grain === 'hour' || table.grain === 'day';
  const has = (d: RollupDimension) => raw || table.dimensions.includes(d);
  if (dimension !== 'day' && dimension !== 'hour' && !has(dimension)) {
    throw new Error(`${describe(table)} has no ${dimension}`);
  }
  switch (dimension) {
    case 'tenant':
      return 'tenant_id';
    case 'key':
      return raw ? 'api_key_id' : `NULLIF(api_key_id, '${NO_KEY_ID}'::uuid)`;
    case 'model':
      return 'model::text';
    case 'provider':
      return 'provider::text';
    case 'intent':
      return raw ? 'intent::text' : `NULLIF(intent, '')::text`;
    case 'day':
      if (!days) throw new Error(`no days in ${describe(table)}`);
      return time === null ? 'day' : `(${time} AT TIME ZONE 'UTC')::date`;
    case 'hour':
      if (time === null) throw new Error(`no hours in ${describe(table)}`);
      return `date_trunc('hour', ${time} AT TIME ZONE 'UTC')`;
  }
}

/** The text a report shows for a dimension's native value `column`. */
function dimensionOutput(dimension: ReportDimension, column: string): string {
  switch (dimension) {
    case 'tenant':
    case 'key':
      return `${column}::text`;
    case 'day':
      return `to_char(${column}, 'YYYY-MM-DD')`;
    case 'hour':
      return `to_char(${column}, 'YYYY-MM-DD"T"HH24:00:00"Z"')`;
    default:
      return column;
  }
}

/** The roll-up dimensions a query needs (grouped by or filtered on). */
export function neededDimensions(query: UsageReportQuery): Set<RollupDimension> {
  const needed = new Set<RollupDimension>();
  for (const d of query.groupBy) if (d !== 'day' && d !== 'hour') needed.add(d);
  if (query.filters.tenantId !== undefined || query.scopeTenantId !== null) needed.add('tenant');
  if (query.filters.keyId !== undefined) needed.add('key');
  if (query.filters.model !== undefined) needed.add('model');
  if (query.filters.provider !== undefined) needed.add('provider');
  if (query.filters.intent !== undefined) needed.add('intent');
  return needed;
}

function tableSql(table: ReportTable): { name: string; time: string; cast: string } {
  if (table === 'raw') return { name: 'usage_records', time: 'created_at', cast: 'timestamptz' };
  return { name: table.name, time: table.grain, cast: table.grain === 'hour' ? 'timestamptz' : 'date' };
}

export interface BuiltReportQuery {
  sql: string;
  params: unknown[];
}

class Params {
  readonly values: unknown[] = [];
  add(value: unknown, cast: string): string {
    this.values.push(value);
    return `$${this.values.length}::${cast}`;
  }
}

/** The WHERE conditions of the filters on one source (tenant scope and filter both apply). */
function filterConditions(query: UsageReportQuery, table: ReportTable, params: Params): string[] {
  const f = query.filters;
  const raw = table === 'raw';
  const conditions: string[] = [];
  if (query.scopeTenantId !== null) conditions.push(`tenant_id = ${params.add(query.scopeTenantId, 'uuid')}`);
  if (f.tenantId !== undefined) conditions.push(`tenant_id = ${params.add(f.tenantId, 'uuid')}`);
  if (f.keyId !== undefined) conditions.push(`api_key_id = ${params.add(f.keyId, 'uuid')}`);
  if (f.model !== undefined) conditions.push(`model = ${params.add(f.model, 'text')}`);
  if (f.provider !== undefined) conditions.push(`provider = ${params.add(f.provider, 'text')}`);
  if (f.intent === NO_INTENT) conditions.push(raw ? 'intent IS NULL' : `intent = ''`);
  else if (f.intent !== undefined) conditions.push(`intent = ${params.add(f.intent, 'text')}`);
  return conditions;
}

function timeCondition(table: ReportTable, segments: ReportSegment[], params: Params): string {
  const { time, cast } = tableSql(table);
  const value = (date: Date) => (cast === 'date' ? date.toISOString().slice(0, 10) : date.toISOString());
  const ranges = segments.map(
    (s) => `(${time} >= ${params.add(value(s.from), cast)} AND ${time} < ${params.add(value(s.to), cast)})`,
  );
  return ranges.length === 1 ? ranges[0] : `(${ranges.join(' OR ')})`;
}

/**
 * Whether each row of the roll-up is a group of its own: every key column of the table is grouped
 * by or fixed by an equality filter (e.g. by tenant and day from usage_tenant_daily). Its rows are
 * then read as they are, not aggregated again (a hash aggregate of thousands of groups of ten sums
 * outgrows work_mem and spills to disk).
 */
export function rowsAreGroups(query: UsageReportQuery, table: RollupTable): boolean {
  const grouped = new Set<string>(query.groupBy);
  const f = query.filters;
  const fixed: Record<RollupDimension, boolean> = {
    tenant: f.tenantId !== undefined || query.scopeTenantId !== null,
    key: f.keyId !== undefined,
    provider: f.provider !== undefined,
    model: f.model !== undefined,
    intent: f.intent !== undefined,
  };
  const timeGrouped = (table.grain === 'day' || table.grain === 'hour') && grouped.has(table.grain);
  return timeGrouped && table.dimensions.every((d) => grouped.has(d) || fixed[d]);
}

/** One source's part of the UNION: its segments' rows, grouped. */
function sourceSelect(
  query: UsageReportQuery,
  table: ReportTable,
  segments: ReportSegment[],
  params: Params,
): string {
  const groups = query.groupBy.map((d, i) => `${dimensionExpression(d, table)} AS g${i}`);
  const plain = table !== 'raw' && rowsAreGroups(query, table);
  // Sums cast back to int8: Postgres sums int8 into numeric, and the regrouping above would
  // otherwise add numerics, several times slower than int8 (a total beyond int8 fails there anyway).
  const measures =
    table === 'raw'
      ? RAW_MEASURE_EXPRESSIONS.map((e, i) => `(${e})::int8 AS ${ROLLUP_MEASURES[i]}`)
      : ROLLUP_MEASURES.map((m) => (plain ? m : `sum(${m})::int8 AS ${m}`));
  const where = [timeCondition(table, segments, params), ...filterConditions(query, table, params)];
  const groupBy = groups.length > 0 && !plain ? `\n GROUP BY ${groups.map((_, i) => i + 1).join(', ')}` : '';
  return `SELECT ${[...groups, ...measures].join(', ')}\n  FROM ${tableSql(table).name}\n WHERE ${where.join(' AND ')}${groupBy}`;
}

/**
 * The report's SQL: one SELECT per source, UNION ALL, regrouped. Returns at most `limit` groups
 * (ask for one more than you accept to detect an overflow). Columns: g0…gN (the dimensions, in
 * query.groupBy order, as text) and the ROLLUP_MEASURES as int8.
 */
export function buildReportQuery(query: UsageReportQuery, limit: number): BuiltReportQuery {
  const tables = reportSources(query);
  const segments = planReportSegments(query.from, query.to, [...tables.keys()]);
  // An empty range: one empty raw segment, so that the statement keeps its shape and types.
  if (segments.length === 0) segments.push({ source: 'raw', from: query.from, to: query.from });
  const tableOf = (source: ReportSource): ReportTable => (source === 'raw' ? 'raw' : tables.get(source)!);
  const params = new Params();
  const bySource = new Map<ReportSource, ReportSegment[]>();
  for (const segment of segments)
    bySource.set(segment.source, [...(bySource.get(segment.source) ?? []), segment]);
  const parts = [...bySource].map(([source, list]) => sourceSelect(query, tableOf(source), list, params));
  const groups = query.groupBy.map((_, i) => `g${i}`);
  const outputs = query.groupBy.map((d, i) => `${dimensionOutput(d, `f.g${i}`)} AS g${i}`);
  // One source (whole days, or whole hours): its groups are final; several: regroup the union,
  // unless grouped by hour: sources then never share an hour (raw rows only inside the edge hours).
  const single = parts.length === 1 || query.groupBy.includes('hour');
  const measures = ROLLUP_MEASURES.map((m) => `COALESCE(${single ? m : `sum(${m})`}, 0)::int8 AS ${m}`);
  const order = (alias: string) => groups.map((g) => `${alias}.${g} NULLS LAST`).join(', ');
  const tail =
    groups.length === 0
      ? ''
      : `${single ? '' : `\n GROUP BY ${groups.map((g) => `u.${g}`).join(', ')}`}\n ORDER BY ${order('u')}\n LIMIT ${Math.max(0, Math.floor(limit))}`;
  const grouped = `SELECT ${[...groups.map((g) => `u.${g}`), ...measures].join(', ')}\n  FROM (\n${parts.join('\nUNION ALL\n')}\n) u${tail}`;
  // The tenant's name is joined to the final groups only (after the LIMIT), then put back in order.
  const name = tenantNameJoin(query.groupBy);
  const columns = [
    ...outputs,
    ...(name ? [`${name.column} AS tenant_name`] : []),
    ...ROLLUP_MEASURES.map((m) => `f.${m}`),
  ];
  const sql = `SELECT ${columns.join(', ')}\n  FROM (\n${grouped}\n) f${name?.join ?? ''}${groups.length === 0 ? '' : `\n ORDER BY ${order('f')}`}`;
  return { sql, params: params.values };
}

/**
 * Grouped by tenant: the tenant's name joined in (by primary key, on the final groups only), so
 * that a client naming its groups needs no second request. A deleted tenant's name is null.
 */
function tenantNameJoin(groupBy: readonly ReportDimension[]): { join: string; column: string } | null {
  const index = groupBy.indexOf('tenant');
  if (index < 0) return null;
  return { join: `\n  LEFT JOIN tenants t ON t.id = f.g${index}`, column: 't.name' };
}

/** The measures of a report or group: the same as the per-tenant usage query's. */
export type ReportTotals = UsageTotals;

export interface ReportGroup extends ReportTotals {
  /** The group's value of each grouped dimension (null: none, e.g. no intent or a static key). */
  dimensions: Partial<Record<ReportDimension, string | null>>;
  /** Grouped by tenant: the tenant's name (null: no tenant, e.g. a static key, or deleted). */
  tenantName?: string | null;
}

export interface SpendReport {
  from: Date;
  to: Date;
  groupBy: readonly ReportDimension[];
  filters: ReportFilters;
  totals: ReportTotals;
  groups: ReportGroup[];
}

export type ReportRow = Record<string, string | number | null>;

function tenantNameOf(row: ReportRow): string | null {
  const name = row.tenant_name;
  return name === null || name === undefined ? null : String(name);
}

/** A result row of buildReportQuery's SQL as a group. */
export function reportGroup(row: ReportRow, groupBy: readonly ReportDimension[]): ReportGroup {
  const dimensions: Partial<Record<ReportDimension, string | null>> = {};
  groupBy.forEach((dimension, i) => {
    const value = row[`g${i}`];
    dimensions[dimension] = value === null || value === undefined ? null : String(value);
  });
  return {
    dimensions,
    ...(groupBy.includes('tenant') ? { tenantName: tenantNameOf(row) } : {}),
    requests: Number(row.requests),
    errors: Number(row.errors),
    cacheHits: Number(row.cache_hits),
    refusals: Number(row.refusals),
    promptTokens: Number(row.prompt_tokens),
    completionTokens: Number(row.completion_tokens),
    cachedTokens: Number(row.cached_tokens),
    costNano: Number(row.cost_nano),
    savedNano: Number(row.saved_nano),
    estimatedPriceRequests: Number(row.estimated_price_requests),
  };
}

export function addTotals(groups: readonly ReportTotals[]): ReportTotals {
  const totals: ReportTotals = {
    requests: 0,
    errors: 0,
    cacheHits: 0,
    refusals: 0,
    promptTokens: 0,
    completionTokens: 0,
    cachedTokens: 0,
    costNano: 0,
    savedNano: 0,
    estimatedPriceRequests: 0,
  };
  for (const g of groups) {
    for (const k of Object.keys(totals) as Array<keyof ReportTotals>) totals[k] += g[k];
  }
  return totals;
}
