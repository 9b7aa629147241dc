/**
 * Spend report benchmark: seeds 10,000,000 usage rows (90 days, 100 tenants of skewed sizes,
 * 10 keys each, 6 models, 6 intents, ~1 % refusals) into a throwaway database on the real
 * Postgres, builds the roll-ups, then times GET /admin/usage's query (UsageReportService, the
 * code the endpoint runs) for many group_by combinations: for one tenant (a tenant admin's
 * report; the largest tenant, ~10 % of the rows) and across tenants (a platform admin's), over
 * whole days and with partial hours at both edges. Also times the batch writer, which now
 * maintains every roll-up (ROLLUP_TABLES) in its one statement.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench:usage [-- --rows=10000000 --runs=20 --explain --keep --db=<kept database> --cases=false --match=<regex>]
 *
 * Each case also prints its query work, which the machine's load does not change: the rows the
 * scans read (and from which tables), the shared buffers touched and the server's execution time
 * (one EXPLAIN ANALYZE). --match runs only the cases whose "scope range group_by" matches.
 *
 * Rows are generated with generate_series; the roll-ups are built with the writer's own upsert
 * SQL (usage-rollups.ts). The database is dropped at the end. Exit code 1 when a p95 is over
 * the 200 ms target.
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import type { UsageEvent } from '../src/billing/billing.types';
import type { ReportDimension, UsageReportQuery } from '../src/billing/usage/usage-report';
import { buildReportQuery } from '../src/billing/usage/usage-report';
import {
  MAX_REPORT_GROUPS,
  REPORT_PLANNER_SETTINGS,
  UsageReportService,
} from '../src/billing/usage/usage-report.service';
import { rollupUpsertSql, ROLLUP_TABLES } from '../src/billing/usage/usage-rollups';
import { SqlUsageWriter } from '../src/billing/usage/usage-writer';
import { loadAppConfig } from '../src/config/app-config';
import { EmbeddedDatabaseHandle, openDataSource } from '../src/database/database.module';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const TENANTS = 100;
const KEYS_PER_TENANT = 10;
const WRITER_ROWS = 20_000;
const WRITER_BATCH = 500;
const TARGET_P95_MS = 200;

const tenantId = (t: number) => `7e57a000-0000-4000-8000-${t.toString(16).padStart(12, '0')}`;

function argument(name: string, fallback: string): string {
  const prefix = `--${name}=`;
  const found = process.argv.find((arg) => arg === `--${name}` || arg.startsWith(prefix));
  if (!found) return fallback;
  return found.startsWith(prefix) ? found.slice(prefix.length) : 'true';
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * generate_series seed, in time order (as a live gateway writes). Tenants and keys are skewed
 * (index = floor(n · r²) for a hash r of the row: the largest tenant has ~10 % of the rows); a
 * key mostly (70 %) calls its own model.
 */
async function seed(dataSource: DataSource, rows: number, start: number, days: number): Promise<void> {
  await dataSource.query(
    `INSERT INTO usage_records (request_id, tenant_id, api_key_id, provider, model, intent, prompt_tokens,
                                completion_tokens, cached_tokens, cost_nano, saved_nano, latency_ms, status,
                                cache_hit, created_at, refusal)
     SELECT 'bench-' || g, ('7e57a000-0000-4000-8000-' || lpad(to_hex(t), 12, '0'))::uuid,
            ('7e57b000-0000-4000-8000-' || lpad(to_hex(t * 100 + k), 12, '0'))::uuid,
            (ARRAY['openai','openai','anthropic','anthropic','mistral','mistral'])[1 + m],
            (ARRAY['gpt-4o-mini','gpt-4o','claude-3-5-haiku-latest','claude-3-7-sonnet-latest',
                   'mistral-small-latest','mistral-large-latest'])[1 + m],
            (ARRAY['code','math','creative','general','analysis',NULL])[1 + (g / 7) % 6],
            CASE WHEN refused THEN 0 ELSE (g * 7919) % 4000 END, CASE WHEN refused THEN 0 ELSE (g * 104729) % 800 END,
            CASE WHEN refused THEN 0 ELSE (g * 31) % 200 END, CASE WHEN refused THEN 0 ELSE (g * 1299709) % 5000000 END,
            CASE WHEN g % 20 = 0 AND NOT refused THEN 120000 ELSE 0 END, 50 + g % 900,
            CASE WHEN refused THEN 429 WHEN g % 50 = 0 THEN 502 ELSE 200 END, g % 20 = 0 AND NOT refused,
            to_timestamp($1::float8 / 1000) + ((g::float8 / $2::float8) * $3::float8) * interval '1 day',
            CASE WHEN refused THEN 'rate_limit_exceeded' END
       FROM (SELECT g, t, k,
                    CASE WHEN ((g * 69069 + 1) % 1000) < 700 THEN (t * 7 + k) % 6 ELSE g % 6 END AS m,
                    g % 97 = 0 AS refused
               FROM (SELECT g,
                            floor(${TENANTS} * power(((g * 2654435761) % 4294967296)::float8 / 4294967296, 2))::int AS t,
                            floor(${KEYS_PER_TENANT} * power(((g * 40503 + 12345) % 65536)::float8 / 65536, 2))::int AS k
                       FROM generate_series(0::int8, $2::int8 - 1) AS g) s) r`,
    [start, rows, days],
  );
}

function writerEvents(count: number, start: number, days: number): UsageEvent[] {
  const models = ['gpt-4o-mini', 'claude-3-5-haiku-latest', 'mistral-small-latest'] as const;
  const providers = ['openai', 'anthropic', 'mistral'] as const;
  return Array.from({ length: count }, (_, i) => ({
    requestId: `writer-${i}`,
    tenantId: tenantId(i % TENANTS),
    apiKeyId: null,
    provider: providers[i % 3],
    model: models[i % 3],
    intent: i % 4 === 0 ? null : 'code',
    promptTokens: (i * 13) % 3000,
    completionTokens: (i * 7) % 500,
    cachedTokens: 0,
    costNano: (i * 7727) % 3_000_000,
    savedNano: 0,
    latencyMs: 100,
    status: 200,
    cacheHit: false,
    createdAt: new Date(start + ((i + 0.5) / count) * days * DAY),
  }));
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

interface Timing {
  p50: number;
  p95: number;
  p99: number;
}

async function time(runs: number, fn: () => Promise<unknown>): Promise<Timing> {
  for (let i = 0; i < 2; i++) await fn(); // warm caches and plans
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p95: percentile(samples, 95), p99: percentile(samples, 99) };
}

interface BenchCase {
  scope: string;
  range: string;
  groupBy: ReportDimension[];
  query: UsageReportQuery;
}

/** The report cases: per tenant (the largest) and across tenants, whole days and partial edges. */
function benchCases(end: number): BenchCase[] {
  const cases: BenchCase[] = [];
  const ranges: Array<[string, number, number]> = [
    ['30 d whole days', end - 30 * DAY, end],
    ['30 d partial edges', end - 30 * DAY + 13.3 * HOUR, end - 5.4 * HOUR],
    ['90 d whole days', end - 90 * DAY, end],
  ];
  const hourRange: [string, number, number] = [
    '7 d partial edges',
    end - 7 * DAY + 13.3 * HOUR,
    end - 5.4 * HOUR,
  ];
  const tenantGroupings: ReportDimension[][] = [
    [],
    ['model'],
    ['provider'],
    ['intent'],
    ['day'],
    ['key'],
    ['key', 'model'],
    ['model', 'day'],
    ['key', 'model', 'day'],
    ['model', 'provider', 'intent'],
  ];
  const platformGroupings: ReportDimension[][] = [
    [],
    ['tenant'],
    ['model'],
    ['provider'],
    ['intent'],
    ['day'],
    ['tenant', 'model'],
    ['tenant', 'day'],
    ['model', 'day'],
    ['key'],
    ['tenant', 'key'],
    ['tenant', 'model', 'intent'],
  ];
  const add = (
    scope: string,
    filter: string | undefined,
    groupings: ReportDimension[][],
    r: typeof hourRange,
  ) => {
    for (const groupBy of groupings) {
      cases.push({
        scope,
        range: r[0],
        groupBy,
        query: {
          from: new Date(r[1]),
          to: new Date(r[2]),
          groupBy,
          filters: filter === undefined ? {} : { tenantId: filter },
          scopeTenantId: null,
        },
      });
    }
  };
  for (const r of ranges) {
    add('tenant', tenantId(0), tenantGroupings, r);
    add('platform', undefined, platformGroupings, r);
  }
  add('tenant', tenantId(0), [['hour'], ['model', 'hour'], ['key', 'hour']], hourRange);
  add('platform', undefined, [['hour'], ['provider', 'hour'], ['tenant', 'hour']], hourRange);
  return cases;
}

async function seedAll(dataSource: DataSource, rows: number, start: number, days: number): Promise<void> {
  let started = Date.now();
  await seed(dataSource, rows - WRITER_ROWS, start, days);
  console.log(`seeded ${rows - WRITER_ROWS} rows in ${Date.now() - started} ms`);
  started = Date.now();
  for (const table of ROLLUP_TABLES) await dataSource.query(rollupUpsertSql(table, 'usage_records'));
  console.log(`roll-ups built in ${Date.now() - started} ms`);
  const writer = new SqlUsageWriter(dataSource);
  const events = writerEvents(WRITER_ROWS, start, days);
  started = Date.now();
  for (let i = 0; i < events.length; i += WRITER_BATCH) {
    await writer.write(events.slice(i, i + WRITER_BATCH));
    await writer.rollUp(WRITER_BATCH);
  }
  const writerMs = Date.now() - started;
  console.log(
    `batch writer: ${WRITER_ROWS} rows in batches of ${WRITER_BATCH}: ${Math.round(writerMs / (WRITER_ROWS / WRITER_BATCH))} ms a batch, ` +
      `${Math.round((WRITER_ROWS / writerMs) * 1000)} rows/s (raw rows, then a roll-up pass into ${ROLLUP_TABLES.length} roll-ups and the dashboard's)`,
  );
  for (const table of ['usage_records', ...ROLLUP_TABLES.map((t) => t.name)]) {
    await dataSource.query(`VACUUM ANALYZE ${table}`);
    const [row] = await dataSource.query(
      `SELECT count(*)::int8 AS n, pg_size_pretty(pg_total_relation_size('${table}')) AS size FROM ${table}`,
    );
    console.log(`${table.padEnd(16)} ${String(row.n).padStart(10)} rows  ${row.size}`);
  }
}

/**
 * What a batch costs in each of its two statements, as live traffic (each batch holds the
 * requests of the same few seconds, spread over every tenant and key): the acknowledged write
 * (raw rows and the roll-up queue: what a request waits for under USAGE_DURABLE_ACK) and the
 * roll-up pass that follows it off the request path.
 */
async function writerComparison(dataSource: DataSource, start: number, days: number): Promise<void> {
  const live = start + days * DAY - HOUR;
  const events = writerEvents(WRITER_ROWS, start, days).map((e, i) => ({
    ...e,
    requestId: `ab-${i}`,
    apiKeyId: `7e57b000-0000-4000-8000-${((i % TENANTS) * 100 + (i % KEYS_PER_TENANT)).toString(16).padStart(12, '0')}`,
    createdAt: new Date(live + Math.floor((i / WRITER_ROWS) * HOUR)),
  }));
  const writer = new SqlUsageWriter(dataSource);
  const ms: Record<'write' | 'rollUp', number[]> = { write: [], rollUp: [] };
  const timed = async (kind: 'write' | 'rollUp', run: () => Promise<unknown>) => {
    const started = process.hrtime.bigint();
    await run();
    ms[kind].push(Number(process.hrtime.bigint() - started) / 1e6);
  };
  for (let b = 0; b * WRITER_BATCH < events.length; b++) {
    await timed('write', () => writer.write(events.slice(b * WRITER_BATCH, (b + 1) * WRITER_BATCH)));
    await timed('rollUp', () => writer.rollUp(WRITER_BATCH));
  }
  const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
  console.log(
    `writer, ${WRITER_BATCH}-row batches: acknowledged write ${median(ms.write).toFixed(1)} ms a batch (median), ` +
      `roll-up pass ${median(ms.rollUp).toFixed(1)} ms (load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')})`,
  );
}

interface PlanNode {
  'Relation Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Plans?: PlanNode[];
}

/** Rows the scans of a plan returned, per table (after their index conditions and filters). */
function rowsRead(node: PlanNode, into: Map<string, number> = new Map()): Map<string, number> {
  const table = node['Relation Name'];
  if (table !== undefined) {
    into.set(table, (into.get(table) ?? 0) + (node['Actual Rows'] ?? 0) * (node['Actual Loops'] ?? 1));
  }
  for (const child of node.Plans ?? []) rowsRead(child, into);
  return into;
}

interface Work {
  rows: number;
  tables: string;
  buffers: number;
  serverMs: number;
}

/**
 * The query work of one case, whatever the machine's load: the rows its scans read (per roll-up),
 * the shared buffers it touched and the server's own execution time (EXPLAIN ANALYZE, BUFFERS).
 */
async function queryWork(dataSource: DataSource, query: UsageReportQuery): Promise<Work> {
  const built = buildReportQuery(query, MAX_REPORT_GROUPS + 1);
  const [row]: Array<{ 'QUERY PLAN': Array<{ Plan: PlanNode; 'Execution Time': number }> }> =
    await dataSource.transaction(async (manager) => {
      await manager.query(REPORT_PLANNER_SETTINGS);
      return manager.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${built.sql}`, built.params);
    });
  const [{ Plan: plan, 'Execution Time': serverMs }] = row['QUERY PLAN'];
  const perTable = rowsRead(plan);
  const short = (t: string) => t.replace(/^usage_/, '');
  return {
    rows: [...perTable.values()].reduce((a, b) => a + b, 0),
    tables: [...perTable.keys()].map(short).join('+'),
    buffers: (plan['Shared Hit Blocks'] ?? 0) + (plan['Shared Read Blocks'] ?? 0),
    serverMs,
  };
}

async function runCases(dataSource: DataSource, runs: number, end: number, match: RegExp): Promise<number> {
  const reports = new UsageReportService(dataSource);
  console.log(`\nspend report (UsageReportService.report), ${runs} runs each after 2 warm-ups, ms:`);
  console.log(
    'scope     range               group_by                  p50      p95      p99      groups   ' +
      'rows read  buffers  server ms  load1  tables',
  );
  let worst = 0;
  for (const c of benchCases(end)) {
    if (!match.test(`${c.scope} ${c.range} ${c.groupBy.join(',') || '-'}`)) continue;
    let groups: number | string;
    try {
      groups = (await reports.report(c.query)).groups.length;
    } catch (error) {
      groups = `> ${MAX_REPORT_GROUPS} (400)`;
      void error;
    }
    const t = await time(runs, () => reports.report(c.query).catch(() => undefined));
    worst = Math.max(worst, t.p95);
    const work = await queryWork(dataSource, c.query);
    console.log(
      `${c.scope.padEnd(10)}${c.range.padEnd(20)}${(c.groupBy.join(',') || '-').padEnd(26)}` +
        `${t.p50.toFixed(1).padEnd(9)}${t.p95.toFixed(1).padEnd(9)}${t.p99.toFixed(1).padEnd(9)}${String(groups).padEnd(9)}` +
        `${String(work.rows).padEnd(11)}${String(work.buffers).padEnd(9)}${work.serverMs.toFixed(1).padEnd(11)}${loadavg()[0].toFixed(1).padEnd(7)}${work.tables}`,
    );
  }
  return worst;
}

async function main(): Promise<void> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) throw new Error('DATABASE_URL must name the Postgres server to benchmark on');
  const rows = Number(argument('rows', '10000000'));
  const runs = Number(argument('runs', '20'));
  const explain = argument('explain', 'false') === 'true';
  const keep = argument('keep', 'false') === 'true';
  const days = 90;
  const end = Date.UTC(2025, 6, 1, 0, 0);
  const start = end - days * DAY;

  // --db=<name>: time the reports on a database kept by an earlier run (--keep), without seeding.
  const existing = argument('db', '');
  if (existing !== '' && !/^mm_bench_usage_[0-9a-f]{8}$/.test(existing))
    throw new Error('--db names a kept bench database');
  const name = existing || `mm_bench_usage_${randomBytes(4).toString('hex')}`;
  if (!existing) await adminQuery(serverUrl, `CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const config = loadAppConfig({ DATABASE_URL: url.toString(), LOG_LEVEL: 'error' });
  const dataSource = await openDataSource(config, new EmbeddedDatabaseHandle());
  try {
    if (!existing) await seedAll(dataSource, rows, start, days);
    const match = new RegExp(argument('match', '.'));
    const worst = argument('cases', 'true') === 'true' ? await runCases(dataSource, runs, end, match) : 0;
    await writerComparison(dataSource, start, days);
    console.log(`\nworst p95: ${worst.toFixed(1)} ms (target ≤ ${TARGET_P95_MS} ms)`);
    if (explain) {
      const built = buildReportQuery(
        {
          from: new Date(end - 30 * DAY + 13.3 * HOUR),
          to: new Date(end - 5.4 * HOUR),
          groupBy: ['tenant', 'model'],
          filters: {},
          scopeTenantId: null,
        },
        MAX_REPORT_GROUPS + 1,
      );
      const plan: Array<{ 'QUERY PLAN': string }> = await dataSource.transaction(async (manager) => {
        await manager.query(REPORT_PLANNER_SETTINGS);
        return manager.query(`EXPLAIN (ANALYZE, BUFFERS) ${built.sql}`, built.params);
      });
      console.log(`\n${plan.map((row) => row['QUERY PLAN']).join('\n')}`);
    }
    if (worst > TARGET_P95_MS) process.exitCode = 1;
  } finally {
    await dataSource.destroy();
    if (keep || existing) console.log(`kept database ${name}`);
    else await adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
