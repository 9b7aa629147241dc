/**
 * Usage query benchmark: seeds 1,000,000 usage rows for one tenant (plus 200,000 for another)
 * into a throwaway database on the real Postgres, then times GET /admin/tenants/:id/usage's query
 * (UsageQueryService, the code the endpoint runs) for every group_by over 30 and 90 days, with
 * and without partial days at the edges, and compares with a plain scan of the raw rows.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench:usage [-- --rows=1000000 --explain]
 *
 * Rows are generated with generate_series (seconds, not minutes); the daily roll-up is built with
 * the same aggregation the batch writer applies, and the last 20,000 rows go through the real
 * batch writer (SqlUsageWriter) so its throughput is measured too. The database is dropped at the end.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import type { UsageEvent } from '../src/billing/billing.types';
import type { UsageGroupBy } from '../src/billing/usage/usage-query';
import { UsageQueryService } from '../src/billing/usage/usage-query.service';
import { SqlUsageWriter } from '../src/billing/usage/usage-writer';
import { loadAppConfig } from '../src/config/app-config';
import { EmbeddedDatabaseHandle, openDataSource } from '../src/database/database.module';

const DAY = 86_400_000;
const TENANT = '7e57a000-0000-4000-8000-000000000001';
const OTHER_TENANT = '7e57a000-0000-4000-8000-000000000002';
const WRITER_ROWS = 20_000;
const WRITER_BATCH = 500;

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

/** generate_series seed: models cycle with their provider, intents, tokens and costs vary. */
async function seed(
  dataSource: DataSource,
  tenantId: string,
  rows: number,
  start: number,
  days: number,
): Promise<void> {
  await dataSource.query(
    `INSERT INTO usage_records (request_id, tenant_id, api_key_id, provider, model, intent, prompt_tokens,
                                completion_tokens, cached_tokens, cost_nano, saved_nano, latency_ms, status,
                                cache_hit, created_at)
     SELECT 'bench-' || g, $1::uuid, NULL,
            (ARRAY['openai','openai','anthropic','anthropic','mistral','mistral'])[1 + g % 6],
            (ARRAY['gpt-4o-mini','gpt-4o','claude-3-5-haiku-latest','claude-3-7-sonnet-latest',
                   'mistral-small-latest','mistral-large-latest'])[1 + g % 6],
            (ARRAY['code','math','creative','general','analysis',NULL])[1 + (g / 7) % 6],
            (g * 7919) % 4000, (g * 104729) % 800, (g * 31) % 200,
            (g * 1299709) % 5000000, CASE WHEN g % 20 = 0 THEN 120000 ELSE 0 END,
            50 + g % 900, CASE WHEN g % 50 = 0 THEN 502 ELSE 200 END, g % 20 = 0,
            to_timestamp($2::float8 / 1000) + ((g::float8 / $3::float8) * $4::float8) * interval '1 day'
       FROM generate_series(0::int8, $3::int8 - 1) AS g`,
    [tenantId, start, rows, days],
  );
}

/** The roll-up the batch writer maintains, built in one go for the seeded rows. */
async function rollUp(dataSource: DataSource): Promise<void> {
  await dataSource.query(
    `INSERT INTO usage_daily (tenant_id, day, provider, model, intent, requests, errors, cache_hits,
                              prompt_tokens, completion_tokens, cached_tokens, cost_nano, saved_nano)
     SELECT tenant_id, (created_at AT TIME ZONE 'UTC')::date, provider, model, COALESCE(intent, ''),
            count(*), count(*) FILTER (WHERE status >= 400), count(*) FILTER (WHERE cache_hit),
            sum(prompt_tokens), sum(completion_tokens), sum(cached_tokens), sum(cost_nano), sum(saved_nano)
       FROM usage_records GROUP BY 1, 2, 3, 4, 5`,
  );
}

function writerEvents(tenantId: string, count: number, start: number, days: number): UsageEvent[] {
  const models = ['gpt-4o-mini', 'claude-3-5-haiku-latest', 'mistral-small-latest'] as const;
  const providers = ['openai', 'anthropic', 'mistral'] as const;
  return Array.from({ length: count }, (_, i) => ({
    requestId: `writer-${i}`,
    tenantId,
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
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function time(
  runs: number,
  fn: () => Promise<unknown>,
): Promise<{ p50: number; p95: number; max: number }> {
  for (let i = 0; i < 3; i++) await fn(); // warm caches and plans
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p95: percentile(samples, 95), max: samples[samples.length - 1] };
}

async function main(): Promise<void> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) throw new Error('DATABASE_URL must name the Postgres server to benchmark on');
  const rows = Number(argument('rows', '1000000'));
  const runs = Number(argument('runs', '20'));
  const explain = argument('explain', 'false') === 'true';
  const days = 90;
  const end = Date.UTC(2025, 6, 1, 0, 0);
  const start = end - days * DAY;

  const name = `mm_bench_usage_${randomBytes(4).toString('hex')}`;
  await adminQuery(serverUrl, `CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const config = loadAppConfig({ DATABASE_URL: url.toString(), LOG_LEVEL: 'error' });
  const dataSource = await openDataSource(config, new EmbeddedDatabaseHandle());
  try {
    await dataSource.query(`INSERT INTO tenants (id, name) VALUES ($1, 'bench'), ($2, 'neighbour')`, [
      TENANT,
      OTHER_TENANT,
    ]);
    let started = Date.now();
    await seed(dataSource, TENANT, rows - WRITER_ROWS, start, days);
    await seed(dataSource, OTHER_TENANT, Math.round(rows / 5), start, days);
    await rollUp(dataSource);
    console.log(
      `seeded ${rows - WRITER_ROWS + Math.round(rows / 5)} rows + roll-up in ${Date.now() - started} ms`,
    );

    const writer = new SqlUsageWriter(dataSource);
    const events = writerEvents(TENANT, WRITER_ROWS, start, days);
    started = Date.now();
    for (let i = 0; i < events.length; i += WRITER_BATCH)
      await writer.write(events.slice(i, i + WRITER_BATCH));
    const writerMs = Date.now() - started;
    console.log(
      `batch writer: ${WRITER_ROWS} rows in ${WRITER_ROWS / WRITER_BATCH} batches of ${WRITER_BATCH}: ` +
        `${writerMs} ms (${Math.round(writerMs / (WRITER_ROWS / WRITER_BATCH))} ms a batch, ` +
        `${Math.round((WRITER_ROWS / writerMs) * 1000)} rows/s, raw rows + roll-up in one statement)`,
    );
    await dataSource.query('VACUUM ANALYZE usage_records');
    await dataSource.query('VACUUM ANALYZE usage_daily');
    const [counts] = await dataSource.query(
      `SELECT (SELECT count(*) FROM usage_records WHERE tenant_id = $1)::int8 AS tenant_rows,
              (SELECT count(*) FROM usage_records)::int8 AS all_rows,
              (SELECT count(*) FROM usage_daily WHERE tenant_id = $1)::int8 AS rollup_rows,
              pg_size_pretty(pg_total_relation_size('usage_records')) AS raw_size,
              pg_size_pretty(pg_total_relation_size('usage_daily')) AS rollup_size`,
      [TENANT],
    );
    console.log(
      `tenant rows ${counts.tenant_rows} (all ${counts.all_rows}, ${counts.raw_size}); ` +
        `roll-up rows ${counts.rollup_rows} (${counts.rollup_size})`,
    );

    const usage = new UsageQueryService(dataSource);
    const day = (offset: number) => new Date(end - offset * DAY);
    const cases: Array<{ label: string; from: Date; to: Date; groupBy: UsageGroupBy | null }> = [];
    for (const groupBy of [null, 'model', 'provider', 'intent', 'day'] as const) {
      cases.push({ label: `30 days, whole days`, from: day(30), to: day(0), groupBy });
    }
    for (const groupBy of [null, 'model', 'day'] as const) {
      cases.push({ label: `90 days, whole days`, from: day(90), to: day(0), groupBy });
      cases.push({
        label: `90 days, partial edges`,
        from: new Date(end - 90 * DAY + 13.3 * 3_600_000),
        to: new Date(end - 5.4 * 3_600_000),
        groupBy,
      });
    }
    console.log(`\nusage query (UsageQueryService.report), ${runs} runs each after 3 warm-ups, ms:`);
    console.log('range                     group_by   p50     p95     max     requests');
    let worst = 0;
    for (const c of cases) {
      const report = await usage.report(TENANT, c.from, c.to, c.groupBy);
      const t = await time(runs, () => usage.report(TENANT, c.from, c.to, c.groupBy));
      worst = Math.max(worst, t.p95);
      console.log(
        `${c.label.padEnd(26)}${String(c.groupBy ?? '-').padEnd(11)}${t.p50.toFixed(2).padEnd(8)}` +
          `${t.p95.toFixed(2).padEnd(8)}${t.max.toFixed(2).padEnd(8)}${report.totals.requests}`,
      );
    }

    // The same answer from the raw rows alone, as a system without roll-ups would compute it.
    const naive = await time(Math.min(runs, 5), () =>
      dataSource.query(
        `SELECT model, count(*), sum(prompt_tokens), sum(completion_tokens), sum(cost_nano)
           FROM usage_records WHERE tenant_id = $1 AND created_at >= $2 AND created_at < $3 GROUP BY 1`,
        [TENANT, day(90).toISOString(), day(0).toISOString()],
      ),
    );
    console.log(
      `\nbaseline without roll-up (raw scan, 90 days, group_by model): p50 ${naive.p50.toFixed(1)} ms, p95 ${naive.p95.toFixed(1)} ms`,
    );
    console.log(`worst p95 of the usage query: ${worst.toFixed(2)} ms (target < 100 ms)`);

    if (explain) {
      const plan: Array<{ 'QUERY PLAN': string }> = await dataSource.query(
        `EXPLAIN (ANALYZE, BUFFERS)
         SELECT g, sum(requests) FROM (
           SELECT model AS g, sum(requests) AS requests FROM usage_daily
            WHERE tenant_id = $1 AND day >= $2::date AND day < $3::date GROUP BY 1
           UNION ALL
           SELECT model, count(*) FROM usage_records
            WHERE tenant_id = $1 AND ((created_at >= $4 AND created_at < $5) OR (created_at >= $6 AND created_at < $7))
            GROUP BY 1) u GROUP BY g`,
        [
          TENANT,
          '2025-04-03',
          '2025-06-30',
          new Date(end - 90 * DAY + 13.3 * 3_600_000).toISOString(),
          '2025-04-03T00:00:00Z',
          '2025-06-30T00:00:00Z',
          new Date(end - 5.4 * 3_600_000).toISOString(),
        ],
      );
      console.log(`\n${plan.map((row) => row['QUERY PLAN']).join('\n')}`);
    }
    if (worst >= 100) process.exitCode = 1;
  } finally {
    await dataSource.destroy();
    await adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
