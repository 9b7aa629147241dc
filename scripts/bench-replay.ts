/**
 * Replay benchmark (docs/routing.md "Routing lab"): seeds 1,000,000 logged routing decisions into
 * a throwaway database on the real Postgres with generate_series (varied intents, confidences,
 * prompt sizes, capabilities, budgets, explicit models, a tenant override on 5 %; per-label
 * scores and classifier signals as the gateway logs them; a realistic candidate list in
 * `decision`), then times the replay the admin API and `npm run replay` run
 * (ReplayService: a server-side cursor, FETCH 5,000 at a time, the pure decision per row) under
 * the live configuration and under a candidate policy. Prints wall time, rows/s, the process's
 * CPU time and the load average (the machine is shared). The database is dropped at the end.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench:replay [-- --rows=1000000]
 *     [--database=mm_bench_replay_keep]   seed that database once and keep it (re-runs skip seeding)
 *     [--days=8]                          replay the first N days only (the rows span 7; 1.4 ≈ a fifth, for profiles)
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { Client } from 'pg';
import { stringify } from 'yaml';
import type { DataSource } from 'typeorm';
import { loadAppConfig } from '../src/config/app-config';
import { EmbeddedDatabaseHandle, openDataSource } from '../src/database/database.module';
import { ModelCatalog } from '../src/routing/model-catalog';
import { RoutingPolicyService } from '../src/routing/routing-policy';
import { RoutingThresholdState } from '../src/routing/routing-thresholds';
import {
  ReplayService,
  replayQuery,
  streamDecisions,
  type ReplayRequest,
} from '../src/routing/lab/replay.service';

const TENANT = '7e57a000-0000-4000-8000-000000000018';
const DAY = 86_400_000;

function argument(name: string, fallback: string): string {
  const found = process.argv.find((arg) => arg.startsWith(`--${name}=`));
  return found ? found.slice(name.length + 3) : fallback;
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

async function databaseExists(url: string, name: string): Promise<boolean> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
  } finally {
    await client.end();
  }
}

async function seed(dataSource: DataSource, rows: number, start: number, candidates: string): Promise<void> {
  await dataSource.query(
    `INSERT INTO routing_decisions (created_at, request_id, tenant_id, input_version, inputs, intent, kind,
                                    target_provider, target_model, budget_downgraded, decision, served_provider,
                                    served_model, attempts, prompt_tokens, completion_tokens, cached_tokens,
                                    cost_nano, latency_ms, status, cache_hit)
     SELECT to_timestamp($1::float8 / 1000) + (g::float8 / $2::float8) * interval '7 days', 'bench-' || g, $3::uuid, 1,
            jsonb_build_object(
              'm', CASE WHEN g % 10 = 0 THEN 'gpt-4o' END,
              'l', (ARRAY['chat_lite','deep_reason','code_gen','json_extract','translation','vision',NULL])[1 + g % 7],
              'c', ((g * 7919) % 1000) / 1000.0, 'im', 'model',
              's', jsonb_build_object('chat_lite', 0.0412, 'deep_reason', 0.0833, 'code_gen', ((g * 7919) % 1000) / 1000.0,
                                      'json_extract', 0.0291, 'translation', 0.0175, 'vision', 0.0049, 'safety_risk', 0.0012),
              'f', jsonb_build_object('token_length_est', 20 + (g * 131) % 4000, 'has_code_fence', g % 3 = 0,
                                      'has_programming_keywords', g % 3 = 0, 'language', 'en',
                                      'signals', jsonb_build_object('code', g % 3 = 0, 'translation', g % 7 = 4,
                                                                    'vision', false, 'safety', false, 'json', g % 7 = 3)),
              'pt', 20 + (g * 131) % 4000, 'mo', CASE WHEN g % 5 = 0 THEN 256 END,
              'n', (CASE WHEN g % 7 = 5 THEN 1 ELSE 0 END) + (CASE WHEN g % 11 = 0 THEN 2 ELSE 0 END)
                   + (CASE WHEN g % 7 = 3 THEN 4 ELSE 0 END) + (CASE WHEN g % 2 = 0 THEN 8 ELSE 0 END),
              'b', CASE WHEN g % 4 = 0 THEN ((g * 13) % 100) / 100.0 END, 'bs', false,
              'th', jsonb_build_array(0.4, 0.8), 'u', '[]'::jsonb, 'o', '[]'::jsonb,
              'r', CASE WHEN g % 20 = 0 THEN '{"override":{"exclude_models":["gpt-4o-mini"]},"allow_only":null}'::jsonb END),
            (ARRAY['chat_lite','deep_reason','code_gen','json_extract','translation','vision',NULL])[1 + g % 7],
            'direct', 'openai',
            (ARRAY['gpt-4.1-mini','gpt-4o-mini','claude-haiku-4-5','mistral-small-latest','codestral-latest','gpt-4.1'])[1 + g % 6],
            false, $4::jsonb, 'openai',
            (ARRAY['gpt-4.1-mini','gpt-4o-mini','claude-haiku-4-5','mistral-small-latest','codestral-latest','gpt-4.1'])[1 + g % 6],
            1, 20 + (g * 131) % 4000, 10 + (g * 97) % 900, 0, (g * 1299709) % 5000000, 100 + g % 900, 200, false
       FROM generate_series(0::int8, $2::int8 - 1) AS g`,
    [start, rows, TENANT, candidates],
  );
}

/**
 * CPU seconds the bench database's Postgres backends have used (the server on this machine:
 * /proc/<pid>/stat), per backend pid; the machine is shared, so CPU is the figure load does not skew.
 */
async function backendCpu(dataSource: DataSource): Promise<Map<number, number>> {
  const rows: Array<{ pid: number }> = await dataSource.query(
    `SELECT pid FROM pg_stat_activity WHERE datname = current_database()`,
  );
  const out = new Map<number, number>();
  for (const { pid } of rows) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      out.set(pid, (Number(fields[11]) + Number(fields[12])) / 100);
    } catch {
      // Not on this machine (a remote server): no figure.
    }
  }
  return out;
}

function backendCpuUsed(before: Map<number, number>, after: Map<number, number>): string {
  if (after.size === 0) return 'n/a';
  let seconds = 0;
  for (const [pid, cpu] of after) seconds += cpu - (before.get(pid) ?? 0);
  return `${seconds.toFixed(1)} s`;
}

async function timed(
  label: string,
  service: ReplayService,
  request: ReplayRequest,
  dataSource: DataSource,
): Promise<void> {
  const load = loadavg()[0];
  const backends = await backendCpu(dataSource);
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  const report = await service.replay(request);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const used = process.cpuUsage(cpu);
  const pg = backendCpuUsed(backends, await backendCpu(dataSource));
  console.log(
    `${label}: ${report.replayed} decisions in ${(ms / 1000).toFixed(1)} s ` +
      `(${Math.round(report.replayed / (ms / 1000))} decisions/s; node CPU ${((used.user + used.system) / 1e6).toFixed(1)} s; ` +
      `Postgres backend CPU ${pg}; ` +
      `load average ${load.toFixed(1)} → ${loadavg()[0].toFixed(1)}); moved ${(report.overall.moved_share * 100).toFixed(1)}%, ` +
      `cost delta ${report.overall.cost_delta_usd.toFixed(2)} USD`,
  );
}

/** The cursor alone (database scan, transfer, row parsing), without the decisions: the floor of a replay. */
async function scanOnly(dataSource: DataSource, window: { from: Date; to: Date }): Promise<void> {
  const load = loadavg()[0];
  const backends = await backendCpu(dataSource);
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  let rows = 0;
  await streamDecisions(dataSource, replayQuery(window.from, window.to, null), (batch) => {
    rows += batch.length;
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const used = process.cpuUsage(cpu);
  const pg = backendCpuUsed(backends, await backendCpu(dataSource));
  console.log(
    `cursor only (no decisions): ${rows} rows in ${(ms / 1000).toFixed(1)} s (node CPU ` +
      `${((used.user + used.system) / 1e6).toFixed(1)} s; Postgres backend CPU ${pg}; load average ${load.toFixed(1)} → ${loadavg()[0].toFixed(1)})`,
  );
}

async function main(): Promise<void> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) throw new Error('DATABASE_URL must name the Postgres server to benchmark on');
  const rows = Number(argument('rows', '1000000'));
  const start = Date.UTC(2026, 10, 1);
  const kept = argument('database', '');
  if (kept && !/^mm_bench_replay_\w+$/.test(kept))
    throw new Error('--database must start with mm_bench_replay_');
  const name = kept || `mm_bench_replay_${randomBytes(4).toString('hex')}`;
  const exists = kept !== '' && (await databaseExists(serverUrl, name));
  if (!exists) await adminQuery(serverUrl, `CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const config = loadAppConfig({ DATABASE_URL: url.toString(), LOG_LEVEL: 'error' });
  const dataSource = await openDataSource(config, new EmbeddedDatabaseHandle());
  try {
    const catalog = ModelCatalog.load(config.routing.modelsFile);
    const policies = RoutingPolicyService.load(config.routing.routingFile, catalog);
    const candidates = JSON.stringify({
      f: ['anthropic/claude-haiku-4-5', 'mistral/mistral-small-latest'],
      c: catalog.list().map((spec, i) => [spec.id, i % 3 === 0 ? 0 : 1, 120_000 + i * 3_000, 0.61]),
      e: 150_000,
    });
    const started = Date.now();
    if (!exists) {
      await seed(dataSource, rows, start, candidates);
      await dataSource.query('VACUUM ANALYZE routing_decisions');
    }
    const [size] = await dataSource.query(
      `SELECT pg_size_pretty(pg_total_relation_size('routing_decisions')) AS size,
              pg_size_pretty(pg_relation_size('routing_decisions')) AS heap,
              (SELECT avg(pg_column_size(inputs))::int FROM routing_decisions) AS inputs,
              (SELECT avg(pg_column_size(decision))::int FROM routing_decisions) AS decision`,
    );
    console.log(
      `${exists ? 'reused' : 'seeded'} ${rows} decisions in ${Date.now() - started} ms (${size.size} with indexes and TOAST; heap ${size.heap}; ` +
        `inputs ~${size.inputs} B, candidates ~${size.decision} B a row)`,
    );
    const service = new ReplayService(
      dataSource,
      catalog,
      policies,
      config,
      new RoutingThresholdState(config),
    );
    const window = { from: new Date(start), to: new Date(start + Number(argument('days', '8')) * DAY) };
    await scanOnly(dataSource, window);
    await timed('same configuration', service, window, dataSource);
    await timed(
      'candidate (weights quality-only)',
      service,
      { ...window, routingYaml: stringify({ ...policies.policy, weights: { cost: 0, quality: 1 } }) },
      dataSource,
    );
  } finally {
    await dataSource.destroy();
    if (!kept) await adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
