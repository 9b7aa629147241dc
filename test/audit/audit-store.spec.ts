import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { AuditQueryService } from '../../src/audit/audit-query.service';
import { AuditRecorderService } from '../../src/audit/audit-recorder.service';
import { AUDIT_CLEANUP_BATCH, AuditRetentionService } from '../../src/audit/audit-retention.service';
import { SqlAuditWriter } from '../../src/audit/audit-writer';
import type { RequestAuditEvent } from '../../src/audit/audit.types';
import { loadAppConfig } from '../../src/config/app-config';
import { EmbeddedDatabaseHandle, openDataSource } from '../../src/database/database.module';
import { createTestDatabase, describeIfPostgres, type TestDatabase } from '../support/postgres';

function event(tenantId: string, overrides: Partial<RequestAuditEvent> = {}): RequestAuditEvent {
  return {
    requestId: randomUUID(),
    createdAt: new Date(),
    tenantId,
    apiKeyId: null,
    route: 'POST /v1/chat/completions',
    decision: 'pii_redacted',
    policyId: tenantId,
    policyVersion: 3,
    modelBefore: 'gpt-4o',
    modelAfter: null,
    details: { pii: { email: 2, phone: 1 } },
    ...overrides,
  };
}

/** The same checks on the embedded database and on Postgres. */
function auditStoreContract(open: () => Promise<{ dataSource: DataSource; close: () => Promise<void> }>) {
  let dataSource: DataSource;
  let close: () => Promise<void>;
  let tenantA: string;
  let tenantB: string;
  let keyA: string;
  const config = loadAppConfig({ DATA_DIR: ':memory:', AUDIT_RETENTION_DAYS: '30' });

  beforeAll(async () => {
    ({ dataSource, close } = await open());
    [{ id: tenantA }] = await dataSource.query(`INSERT INTO tenants (name) VALUES ('audit-a') RETURNING id`);
    [{ id: tenantB }] = await dataSource.query(`INSERT INTO tenants (name) VALUES ('audit-b') RETURNING id`);
    [{ id: keyA }] = await dataSource.query(
      `INSERT INTO api_keys (tenant_id, name, key_hash, prefix) VALUES ($1, 'k', $2, 'mm-abc') RETURNING id`,
      [tenantA, 'h'.repeat(64)],
    );
  });
  afterAll(async () => close());

  it('writes batches through the recorder and reads them back newest first, every column', async () => {
    const recorder = new AuditRecorderService(config, new SqlAuditWriter(dataSource));
    const first = event(tenantA, { apiKeyId: keyA, createdAt: new Date(Date.now() - 1000) });
    const second = event(tenantA, {
      decision: 'model_downgraded',
      modelBefore: 'gpt-4o',
      modelAfter: 'gpt-4o-mini',
      details: null,
      policyVersion: null,
      policyId: null,
    });
    recorder.record(first);
    recorder.record(second);
    recorder.record(event('not-a-uuid'));
    await recorder.flush();
    expect(recorder.stats()).toEqual({ buffered: 0, written: 2, dropped: 1, flushErrors: 0 });
    const page = await new AuditQueryService(dataSource).list({ tenant_id: tenantA }, null);
    expect(page.data.map((row) => row.request_id)).toEqual([second.requestId, first.requestId]);
    expect(page.data[1]).toMatchObject({
      decision: 'pii_redacted',
      tenant_id: tenantA,
      api_key_id: keyA,
      route: 'POST /v1/chat/completions',
      policy_id: tenantA,
      policy_version: 3,
      model_before: 'gpt-4o',
      model_after: null,
      actor: 'gateway',
      action: 'request.pii_redacted',
      target_type: 'request',
      target_id: first.requestId,
      details: { pii: { email: 2, phone: 1 } },
      created_at: first.createdAt.toISOString(),
    });
    expect(page.data[0]).toMatchObject({ model_after: 'gpt-4o-mini', policy_version: null, details: null });
  });

  it('fills tenant, key and request id of admin changes, in the same stream as the decisions', async () => {
    await dataSource.query(
      `INSERT INTO audit_log (actor, action, target_type, target_id, details) VALUES ('admin', 'api_key.revoke', 'api_key', $1, $2::jsonb)`,
      [keyA, JSON.stringify({ tenant_id: tenantA, request_id: 'req-admin-1' })],
    );
    await dataSource.query(
      `INSERT INTO audit_log (actor, action, target_type, target_id, details) VALUES ('admin', 'policy.put', 'tenant', $1, '{}'::jsonb)`,
      [tenantB],
    );
    const query = new AuditQueryService(dataSource);
    const own = await query.list({ tenant_id: tenantA, decision: 'admin_change' }, null);
    expect(own.data).toHaveLength(1);
    expect(own.data[0]).toMatchObject({
      decision: 'admin_change',
      tenant_id: tenantA,
      api_key_id: keyA,
      request_id: 'req-admin-1',
      action: 'api_key.revoke',
    });
    const byKey = await query.list({ key_id: keyA }, null);
    expect(byKey.data.map((row) => row.decision).sort()).toEqual(['admin_change', 'pii_redacted']);
    const other = await query.list({}, tenantB);
    expect(other.data.map((row) => [row.tenant_id, row.action])).toEqual([[tenantB, 'policy.put']]);
  });

  it('pages with an opaque cursor: every row once, in order, also among equal timestamps', async () => {
    const tenant = tenantB;
    const at = new Date(Date.now() - 60_000);
    const recorder = new AuditRecorderService(config, new SqlAuditWriter(dataSource));
    for (let i = 0; i < 23; i++)
      recorder.record(event(tenant, { createdAt: i < 10 ? at : new Date(at.getTime() + i) }));
    await recorder.flush();
    const query = new AuditQueryService(dataSource);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await query.forTenant(tenant, { limit: 4, cursor, decision: 'pii_redacted' }, null);
      seen.push(...page.data.map((row) => row.id));
      cursor = page.next_cursor ?? undefined;
      expect(page.has_more).toBe(cursor !== undefined);
      pages++;
    } while (cursor);
    expect(pages).toBe(6);
    expect(new Set(seen).size).toBe(23);
    const all = await query.forTenant(tenant, { limit: 100, decision: 'pii_redacted' }, null);
    expect(all.data.map((row) => row.id)).toEqual(seen);
    await expect(query.forTenant(randomUUID(), {}, null)).rejects.toMatchObject({ status: 404 });
    await expect(query.forTenant(tenantA, {}, tenantB)).rejects.toMatchObject({ status: 404 });
  });

  it('filters by time range', async () => {
    const query = new AuditQueryService(dataSource);
    const from = new Date(Date.now() - 70_000).toISOString();
    const to = new Date(Date.now() - 50_000).toISOString();
    const page = await query.list({ tenant_id: tenantB, from, to, limit: 1000 }, null);
    expect(page.data).toHaveLength(23);
  });

  it('deletes expired request decisions in batches and keeps admin changes and recent rows', async () => {
    const old = new Date(Date.now() - 31 * 86_400_000);
    const recorder = new AuditRecorderService(config, new SqlAuditWriter(dataSource));
    const n = AUDIT_CLEANUP_BATCH + 7;
    for (let i = 0; i < n; i++) recorder.record(event(tenantA, { createdAt: old }));
    await recorder.flush();
    await dataSource.query(`UPDATE audit_log SET created_at = $1 WHERE decision = 'admin_change'`, [old]);
    const [{ before }] = await dataSource.query(`SELECT count(*)::int AS before FROM audit_log`);
    // Two replicas at once (two services, two connections): every row deleted once, by one of them.
    const [a, b] = await Promise.all([
      new AuditRetentionService(dataSource, config).purgeExpired(),
      new AuditRetentionService(dataSource, config).purgeExpired(),
    ]);
    expect(a + b).toBe(n);
    const retention = new AuditRetentionService(dataSource, config);
    const [{ after }] = await dataSource.query(`SELECT count(*)::int AS after FROM audit_log`);
    expect(before - after).toBe(n);
    const [{ admin }] = await dataSource.query(
      `SELECT count(*)::int AS admin FROM audit_log WHERE decision = 'admin_change'`,
    );
    expect(admin).toBe(2);
    expect(await retention.purgeExpired()).toBe(0);
  });

  it('versions tenant policies from 1', async () => {
    await dataSource.query(`INSERT INTO tenant_policies (tenant_id, policy) VALUES ($1, '{}'::jsonb)`, [
      tenantA,
    ]);
    const [{ version }] = await dataSource.query(`SELECT version FROM tenant_policies WHERE tenant_id = $1`, [
      tenantA,
    ]);
    expect(version).toBe(1);
  });
}

describe('audit trail storage on the embedded database (PGlite)', () => {
  auditStoreContract(async () => {
    const config = loadAppConfig({ DATA_DIR: ':memory:' });
    const handle = new EmbeddedDatabaseHandle();
    const dataSource = await openDataSource(config, handle);
    return {
      dataSource,
      close: async () => {
        await dataSource.destroy();
        await handle.current?.close();
      },
    };
  });
});

describeIfPostgres('audit trail storage on Postgres', () => {
  let database: TestDatabase;
  auditStoreContract(async () => {
    database = await createTestDatabase();
    const config = loadAppConfig({ DATABASE_URL: database.url });
    const dataSource = await openDataSource(config, new EmbeddedDatabaseHandle());
    return {
      dataSource,
      close: async () => {
        await dataSource.destroy();
        await database.drop();
      },
    };
  });
});
