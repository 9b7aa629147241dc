/**
 * Dashboard page benchmark (issue 17: "p95 ≤ 1 s per page at 10 M usage rows, one request per
 * panel at most"). Times, over HTTP against a real gateway, the requests each dashboard page makes
 * when it opens (all of a page's requests at once, as the browser sends them: a page is as slow as
 * its slowest panel), on a Postgres database holding 10 M usage rows, as a platform admin (every
 * tenant) and as a tenant admin (the largest tenant, ~10 % of the rows).
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test nice -n 15 npm run bench:dashboard [-- --db=<kept> --runs=20 --keep]
 *
 * The usage rows come from the spend report benchmark's generator (scripts/bench-usage.ts, run
 * with --keep --cases=false when no --db is given): 10 M rows over 90 days, 100 tenants. This
 * script then adds what the pages show besides usage: the tenants' names, a monthly budget per
 * tenant with a counter, and the dashboard roll-ups built from the raw rows (latency histogram;
 * routing roll-up as if every classified request had been auto-routed and every 20th answered
 * by a fallback: the roll-up's largest size). The database is dropped at the end unless --keep.
 */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { dashboardRollupUpserts } from '../src/billing/usage/dashboard-rollups';
import { createApp } from '../src/bootstrap';
import { loadAppConfig } from '../src/config/app-config';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const TARGET_P95_MS = 1000;
const ADMIN_KEY = 'mm-bench-dashboard-admin-key-0123456789';
const CLIENT_KEY = 'mm-bench-dashboard-client-key-0123456789';
/** bench-usage.ts's data: 90 days ending here, tenants 7e57a000-…-<t>, t = 0 the largest. */
const DATA_END = Date.UTC(2025, 6, 1);
const TENANTS = 100;
const tenantId = (t: number) => `7e57a000-0000-4000-8000-${t.toString(16).padStart(12, '0')}`;

function argument(name: string, fallback: string): string {
  const prefix = `--${name}=`;
  const found = process.argv.find((arg) => arg === `--${name}` || arg.startsWith(prefix));
  if (!found) return fallback;
  return found.startsWith(prefix) ? found.slice(prefix.length) : 'true';
}

async function withClient<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Seeds 10 M usage rows with bench-usage.ts (kept), returns the database name. */
function seedWithBenchUsage(rows: string): string {
  const output = execFileSync(
    'npx',
    ['ts-node', '--transpile-only', 'scripts/bench-usage.ts', '--keep', '--cases=false', `--rows=${rows}`],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 },
  );
  const name = /kept database (mm_bench_usage_[0-9a-f]{8})/.exec(output)?.[1];
  if (!name) throw new Error(`bench-usage did not keep a database:\n${output.slice(-2000)}`);
  return name;
}

/** Tenants, budgets and the dashboard roll-ups (idempotent: rebuilt on every run). */
async function prepare(client: Client): Promise<void> {
  const started = Date.now();
  const ids = Array.from({ length: TENANTS }, (_, t) => tenantId(t));
  await client.query(
    `INSERT INTO tenants (id, name) SELECT id, 'bench-' || lpad(n::text, 3, '0')
       FROM unnest($1::uuid[]) WITH ORDINALITY AS u(id, n) ON CONFLICT (id) DO NOTHING`,
    [ids],
  );
  await client.query(
    `INSERT INTO budgets (tenant_id, period, limit_nano, soft_limit_ratio, soft_action)
     SELECT id, 'monthly', (100 + n * 10) * 1000000000::int8, 0.8, 'downgrade'
       FROM unnest($1::uuid[]) WITH ORDINALITY AS u(id, n)
      WHERE NOT EXISTS (SELECT 1 FROM budgets b WHERE b.tenant_id = u.id AND b.api_key_id IS NULL)`,
    [ids],
  );
  const monthStart = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), 1));
  await client.query(
    `INSERT INTO budget_counters (budget_id, period_start, spent_nano, reserved_nano)
     SELECT id, $1::timestamptz, limit_nano * ((abs(hashtext(id::text)) % 120) / 100.0)::float8, 0 FROM budgets
     ON CONFLICT (budget_id, period_start) DO NOTHING`,
    [monthStart.toISOString()],
  );
  await client.query(`TRUNCATE usage_latency_daily, usage_routing_daily, usage_fallback_daily`);
  await client.query(dashboardRollupUpserts('usage_records')[0]);
  // The routing roll-up, as if every classified request had been auto-routed (the seed does not
  // set auto_routed) and every 20th answered by a fallback.
  const routed = `(SELECT tenant_id, created_at, provider, model, intent, prompt_tokens, completion_tokens,
                           cached_tokens, cost_nano, refusal, intent IS NOT NULL AS auto_routed, id % 20 = 0 AS fallback
                      FROM usage_records) AS routed`;
  for (const upsert of dashboardRollupUpserts(routed).slice(1)) await client.query(upsert);
  for (const table of ['usage_latency_daily', 'usage_routing_daily', 'usage_fallback_daily'])
    await client.query(`VACUUM ANALYZE ${table}`);
  const sizes = await client.query(
    `SELECT relname, n_live_tup::int8 AS n, pg_size_pretty(pg_total_relation_size(relid)) AS size
       FROM pg_stat_user_tables WHERE relname IN ('usage_records', 'usage_latency_daily', 'usage_routing_daily', 'usage_fallback_daily', 'usage_daily', 'usage_hourly')
      ORDER BY relname`,
  );
  for (const row of sizes.rows)
    console.log(`${String(row.relname).padEnd(22)} ${String(row.n).padStart(10)} rows  ${row.size}`);
  console.log(`prepared tenants, budgets and dashboard roll-ups in ${Date.now() - started} ms`);
}

/** The dashboard's report range (js/pages/shared.js range()): 30 whole UTC days up to now. */
function range(now: number): { from: string; to: string } {
  const today = Math.floor(now / DAY) * DAY;
  return { from: new Date(today - 29 * DAY).toISOString(), to: new Date(now + 1000).toISOString() };
}

type Page = [name: string, requests: string[]];

/** What each page requests when it opens (js/pages/*.js), for a caller seeing `tenant` first. */
function pages(now: number, firstTenant: string): Page[] {
  const r = range(now);
  const usage = (groupBy: string) => `/admin/usage?from=${r.from}&to=${r.to}&group_by=${groupBy}`;
  const window = `from=${r.from}&to=${r.to}`;
  return [
    ['overview', [usage('day'), usage('tenant'), usage('model'), `/admin/usage/latency?${window}`]],
    [
      'routing',
      [usage('intent'), usage('provider%2Cmodel'), `/admin/usage/routing?${window}`, '/metrics/prometheus'],
    ],
    ['budgets', ['/admin/budgets']],
    ['tenants', ['/admin/tenants?limit=200']],
    [
      'tenant detail',
      [
        `/admin/tenants/${firstTenant}`,
        `/admin/tenants/${firstTenant}/keys`,
        `/admin/tenants/${firstTenant}/budget`,
      ],
    ],
    ['policies', ['/admin/tenants?limit=200', `/admin/tenants/${firstTenant}/policy`]],
    ['audit', ['/admin/tenants?limit=1000', '/admin/audit?limit=50']],
    ['models', ['/v1/models', '/health/ready']],
  ];
}

async function call(base: string, path: string, key: string): Promise<number> {
  const started = performance.now();
  const client = path.startsWith('/v1/') ? CLIENT_KEY : key;
  const response = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${client}` } });
  await response.arrayBuffer();
  if (!response.ok && !(path.endsWith('/budget') && response.status === 404))
    throw new Error(`${path}: HTTP ${response.status}`);
  return performance.now() - started;
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];

async function timePages(
  base: string,
  key: string,
  list: Page[],
  runs: number,
  who: string,
): Promise<number> {
  console.log(`\n${who}: ${runs} loads per page after 2 warm-ups (all of a page's requests at once), ms`);
  console.log('page            requests  page p50  page p95  slowest request (p95)');
  let worst = 0;
  for (const [name, requests] of list) {
    const pageMs: number[] = [];
    const perRequest = requests.map(() => [] as number[]);
    for (let i = 0; i < runs + 2; i++) {
      const started = performance.now();
      const times = await Promise.all(requests.map((path) => call(base, path, key)));
      if (i < 2) continue;
      pageMs.push(performance.now() - started);
      times.forEach((t, j) => perRequest[j].push(t));
    }
    pageMs.sort((a, b) => a - b);
    const slowest = requests
      .map((path, j) => ({
        path,
        p95: quantile(
          perRequest[j].sort((a, b) => a - b),
          0.95,
        ),
      }))
      .sort((a, b) => b.p95 - a.p95)[0];
    worst = Math.max(worst, quantile(pageMs, 0.95));
    console.log(
      `${name.padEnd(16)}${String(requests.length).padStart(8)}  ${quantile(pageMs, 0.5).toFixed(0).padStart(8)}  ` +
        `${quantile(pageMs, 0.95).toFixed(0).padStart(8)}  ${slowest.p95.toFixed(0)} ${slowest.path.replace(/\?.*group_by=/, '?…group_by=').slice(0, 60)}`,
    );
  }
  return worst;
}

async function main(): Promise<void> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) throw new Error('DATABASE_URL must name the Postgres server to benchmark on');
  const runs = Number(argument('runs', '20'));
  const keep = argument('keep', 'false') === 'true';
  const existing = argument('db', '');
  if (existing !== '' && !/^mm_bench_usage_[0-9a-f]{8}$/.test(existing))
    throw new Error('--db names a database kept by bench-usage.ts');
  console.log(
    `load average before: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} (${cpus().length} cores)`,
  );
  const name = existing || seedWithBenchUsage(argument('rows', '10000000'));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const config = loadAppConfig({
    DATABASE_URL: url.toString(),
    ADMIN_API_KEY: ADMIN_KEY,
    API_KEYS: CLIENT_KEY,
    TEST_MODE: 'true',
    RATE_LIMIT_RPM: '0',
    LOG_LEVEL: 'error',
  });
  const app = await createApp(config, false);
  let worst = 0;
  try {
    await app.listen(0, '127.0.0.1');
    const base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    await withClient(url.toString(), prepare);
    const now = DATA_END - HOUR;
    const largest = tenantId(0);
    worst = await timePages(base, ADMIN_KEY, pages(now, largest), runs, 'platform admin (every tenant)');
    const created = await fetch(`${base}/admin/tenants/${largest}/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bench tenant admin', role: 'tenant_admin' }),
    });
    if (created.ok) {
      const { key } = (await created.json()) as { key: string };
      const scoped = pages(now, largest).filter(([page]) => page !== 'models');
      worst = Math.max(
        worst,
        await timePages(base, key, scoped, runs, 'tenant admin (largest tenant, ~10 % of rows)'),
      );
    } else {
      console.log(`\n(no tenant admin on this gateway: HTTP ${created.status})`);
    }
    console.log(`\nworst page p95: ${worst.toFixed(0)} ms (target ≤ ${TARGET_P95_MS} ms)`);
    console.log(
      `load average after: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    if (worst > TARGET_P95_MS) process.exitCode = 1;
  } finally {
    await app.close();
    if (keep) console.log(`kept database ${name}`);
    else await withClient(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
