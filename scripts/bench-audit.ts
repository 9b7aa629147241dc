/**
 * Audit trail query benchmark: seeds ROWS (default 1,000,000) request decisions over 100 tenants
 * and 30 days into a throwaway database on the real Postgres, then times the queries behind
 * GET /admin/audit (AuditQueryService, the code the endpoint runs): the global page, a tenant's,
 * a tenant's with a decision filter, a key's, a decision alone, a one-day range of 1000 rows, a page
 * 50 pages deep; then the retention job deleting 10 % of the rows. The database is dropped at the end.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npx ts-node --transpile-only scripts/bench-audit.ts
 */
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { AuditQueryService } from '../src/audit/audit-query.service';
import { AuditRetentionService } from '../src/audit/audit-retention.service';
import { loadAppConfig } from '../src/config/app-config';
import { EmbeddedDatabaseHandle, openDataSource } from '../src/database/database.module';

const ROWS = Number(process.env.ROWS ?? 1_000_000);
const DAY = 86_400_000;
(async () => {
  const server = process.env.DATABASE_URL!;
  const name = `mm_auditbench_${Date.now().toString(36)}`;
  const admin = new Client({ connectionString: server });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  const ds = await openDataSource(
    loadAppConfig({ DATABASE_URL: url.toString(), LOG_LEVEL: 'error' }),
    new EmbeddedDatabaseHandle(),
  );
  try {
    const tenants: string[] = [];
    for (let i = 0; i < 100; i++)
      tenants.push((await ds.query(`INSERT INTO tenants (name) VALUES ($1) RETURNING id`, [`t${i}`]))[0].id);
    const keys = tenants.map(() => randomUUID());
    let t = Date.now();
    await ds.query(
      `INSERT INTO audit_log (created_at, decision, tenant_id, api_key_id, request_id, route, model_before, details, target_id, actor, action, target_type)
       SELECT now() - (g % 2592000) * interval '1 second', d.decision, ($1::uuid[])[1 + g % 100], ($2::uuid[])[1 + g % 100],
              'req-' || g, 'POST /v1/chat/completions', 'gpt-4o', '{"code":"budget_exceeded","status":429}'::jsonb, 'req-' || g, 'gateway', 'request.' || d.decision, 'request'
         FROM generate_series(1, $3) g
         CROSS JOIN LATERAL (SELECT (ARRAY['refused_policy','refused_safety','refused_budget','refused_rate_limit','pii_redacted','model_downgraded','fallback_used'])[1 + ((g::int8 * 7919) % 7)::int] AS decision) d`,
      [tenants, keys, ROWS],
    );
    await ds.query(`ANALYZE audit_log`);
    console.log(`seeded ${ROWS} rows in ${Date.now() - t} ms`);
    const q = new AuditQueryService(ds);
    const cases: Array<[string, () => Promise<unknown>]> = [
      ['global page (limit 100)', () => q.list({}, null)],
      ['tenant page', () => q.list({ tenant_id: tenants[7] }, null)],
      [
        'tenant + decision (1 of 7)',
        () => q.list({ tenant_id: tenants[7], decision: 'refused_budget' }, null),
      ],
      ['key page', () => q.list({ key_id: keys[3] }, null)],
      ['decision only, rare (admin_change: none)', () => q.list({ decision: 'admin_change' }, null)],
      [
        'tenant, one-day range, limit 1000',
        () =>
          q.list(
            {
              tenant_id: tenants[9],
              from: new Date(Date.now() - 10 * DAY).toISOString(),
              to: new Date(Date.now() - 9 * DAY).toISOString(),
              limit: 1000,
            },
            null,
          ),
      ],
    ];
    // a deep cursor: 50 pages in
    let cursor: string | undefined;
    for (let i = 0; i < 50; i++)
      cursor = (await q.list({ tenant_id: tenants[7], cursor }, null)).next_cursor!;
    cases.push(['tenant page 51 (cursor)', () => q.list({ tenant_id: tenants[7], cursor }, null)]);
    for (const [label, run] of cases) {
      const ms: number[] = [];
      for (let i = 0; i < 30; i++) {
        const s = process.hrtime.bigint();
        await run();
        ms.push(Number(process.hrtime.bigint() - s) / 1e6);
      }
      ms.sort((a, b) => a - b);
      console.log(`${label}: p50 ${ms[15].toFixed(1)} ms, p95 ${ms[28].toFixed(1)} ms`);
    }
    t = Date.now();
    await ds.query(`UPDATE audit_log SET created_at = created_at - interval '100 days' WHERE id % 10 = 0`);

    t = Date.now();
    const deleted = await new AuditRetentionService(
      ds,
      loadAppConfig({ AUDIT_RETENTION_DAYS: '90' }),
    ).purgeExpired();
    console.log(`retention: deleted ${deleted} rows in ${Date.now() - t} ms`);
  } finally {
    await ds.destroy();
    await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
    await admin.end();
  }
})();
