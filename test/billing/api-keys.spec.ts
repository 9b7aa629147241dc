import request from 'supertest';
import { createTenantWithKey } from '../support/tenants';
import { DatabaseApiKeyResolver } from '../../src/billing/keys/api-key-resolver.service';
import { ApiKeyHasher } from '../../src/billing/keys/api-key-secret';
import { createTestDatabase, describeIfPostgres, type TestDatabase } from '../support/postgres';
import { ADMIN_KEY, bootBillingApp, testRedisPrefix, type BillingApp } from './support/billing-app';

const admin = { Authorization: `Bearer ${ADMIN_KEY}` };
const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });
const HASH_SECRET = 'test-hash-secret-0123456789abcdefghij';

/** Every text a table holds, for "the plaintext appears nowhere" checks. */
async function dumpDatabase(app: BillingApp): Promise<string> {
  const tables: Array<{ table_name: string }> = await app.dataSource.query(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
  );
  let dump = '';
  for (const { table_name } of tables) {
    dump += JSON.stringify(await app.dataSource.query(`SELECT * FROM "${table_name}"`));
  }
  return dump;
}

function keyLifecycle(boot: () => Promise<BillingApp>) {
  let app: BillingApp;

  beforeAll(async () => {
    app = await boot();
  });
  afterAll(async () => app?.close());

  it('creates a tenant, refuses a duplicate name and unknown fields', async () => {
    const created = await request(app.server)
      .post('/admin/tenants')
      .set(admin)
      .send({ name: 'acme' })
      .expect(201);
    expect(created.body).toMatchObject({
      object: 'tenant',
      name: 'acme',
      status: 'active',
      rate_limit_rpm: null,
    });
    await request(app.server)
      .post('/admin/tenants')
      .set(admin)
      .send({ name: 'acme' })
      .expect(409)
      .expect((res) => expect(res.body.error).toMatchObject({ code: 'conflict', param: 'name' }));
    const extra = await request(app.server)
      .post('/admin/tenants')
      .set(admin)
      .send({ name: 'x', plan: 'gold' })
      .expect(400);
    expect(extra.body.error).toMatchObject({
      type: 'invalid_request_error',
      code: 'invalid_value',
      param: 'plan',
    });
    const missing = await request(app.server).post('/admin/tenants').set(admin).send({}).expect(400);
    expect(missing.body.error.param).toBe('name');
  });

  it('refuses the admin API to a wrong key and to client keys', async () => {
    await request(app.server).get('/admin/tenants').expect(401);
    await request(app.server).get('/admin/tenants').set(bearer('not-the-admin-key')).expect(401);
  });

  it('shows a key once, stores only its keyed hash, and resolves it to its tenant', async () => {
    const tenant = await request(app.server)
      .post('/admin/tenants')
      .set(admin)
      .send({ name: 'globex' })
      .expect(201);
    const created = await request(app.server)
      .post(`/admin/tenants/${tenant.body.id}/keys`)
      .set(admin)
      .send({ name: 'ci' })
      .expect(201);
    const key: string = created.body.key;
    expect(key).toMatch(/^mm-[0-9A-Za-z]{43}$/);
    expect(created.body.prefix).toBe(key.slice(0, 9));

    const listed = await request(app.server)
      .get(`/admin/tenants/${tenant.body.id}/keys`)
      .set(admin)
      .expect(200);
    expect(listed.body.data).toHaveLength(1);
    expect(listed.body.data[0]).toMatchObject({
      id: created.body.id,
      prefix: created.body.prefix,
      status: 'active',
    });
    expect(JSON.stringify(listed.body)).not.toContain(key);
    expect(listed.body.data[0]).not.toHaveProperty('key');
    expect(listed.body.data[0]).not.toHaveProperty('key_hash');

    const who = await request(app.server).get('/v1/test/whoami').set(bearer(key)).expect(200);
    expect(who.body).toMatchObject({ tenantId: tenant.body.id, keyId: created.body.id, source: 'database' });
    const viaHeader = await request(app.server).get('/v1/test/whoami').set('x-api-key', key).expect(200);
    expect(viaHeader.body.keyId).toBe(created.body.id);

    const dump = await dumpDatabase(app);
    expect(dump).not.toContain(key);
    expect(dump).not.toContain(key.slice(9)); // not even the secret part
    const [row] = await app.dataSource.query(`SELECT key_hash FROM api_keys WHERE id = $1`, [
      created.body.id,
    ]);
    expect(row.key_hash).toBe(new ApiKeyHasher(HASH_SECRET).digest(key));

    // last_used_at is written in batches, not per request.
    const [before] = await app.dataSource.query(`SELECT last_used_at FROM api_keys WHERE id = $1`, [
      created.body.id,
    ]);
    expect(before.last_used_at).toBeNull();
    await app.get<DatabaseApiKeyResolver>(DatabaseApiKeyResolver).flushLastUsed();
    const [after] = await app.dataSource.query(`SELECT last_used_at FROM api_keys WHERE id = $1`, [
      created.body.id,
    ]);
    expect(after.last_used_at).not.toBeNull();
  });

  it('answers 401 invalid_api_key for unknown, malformed, revoked and expired keys', async () => {
    await request(app.server)
      .get('/v1/test/whoami')
      .set(bearer(`mm-${'A'.repeat(43)}`))
      .expect(401)
      .expect((res) =>
        expect(res.body.error).toMatchObject({ code: 'invalid_api_key', type: 'authentication_error' }),
      );
    await request(app.server).get('/v1/test/whoami').set(bearer('nonsense')).expect(401);
    await request(app.server).get('/v1/test/whoami').expect(401);

    const { tenantId, keyId, key } = await createTenantWithKey(app.server, ADMIN_KEY, 'initech', {
      keyName: 'to-revoke',
    });
    await request(app.server).get('/v1/test/whoami').set(bearer(key)).expect(200); // now cached
    const revoked = await request(app.server).delete(`/admin/keys/${keyId}`).set(admin).expect(200);
    expect(revoked.body).toMatchObject({ status: 'revoked' });
    expect(revoked.body.revoked_at).not.toBeNull();
    const refused = await request(app.server).get('/v1/test/whoami').set(bearer(key)).expect(401);
    expect(refused.body.error.code).toBe('invalid_api_key');
    expect(refused.body.error.message).toMatch(/revoked/);
    await request(app.server).delete(`/admin/keys/${keyId}`).set(admin).expect(200); // idempotent

    const expiresAt = new Date(Date.now() + 1_500).toISOString();
    const expiring = await request(app.server)
      .post(`/admin/tenants/${tenantId}/keys`)
      .set(admin)
      .send({ name: 'short-lived', expires_at: expiresAt })
      .expect(201);
    expect(expiring.body.expires_at).toBe(expiresAt);
    await request(app.server).get('/v1/test/whoami').set(bearer(expiring.body.key)).expect(200);
    await new Promise((resolve) => setTimeout(resolve, Date.parse(expiresAt) - Date.now() + 50));
    const expired = await request(app.server)
      .get('/v1/test/whoami')
      .set(bearer(expiring.body.key))
      .expect(401);
    expect(expired.body.error.message).toMatch(/expired/);

    await request(app.server)
      .post(`/admin/tenants/${tenantId}/keys`)
      .set(admin)
      .send({ name: 'past', expires_at: '2001-01-01T00:00:00Z' })
      .expect(400);
  });

  it('suspends and resumes a tenant (403 tenant_suspended meanwhile), with audit entries', async () => {
    const { tenantId, keyId, key } = await createTenantWithKey(app.server, ADMIN_KEY, 'umbrella', {
      keyName: 'k',
    });
    await request(app.server).get('/v1/test/whoami').set(bearer(key)).expect(200);
    await request(app.server)
      .patch(`/admin/tenants/${tenantId}`)
      .set(admin)
      .send({ status: 'suspended' })
      .expect(200);
    const refused = await request(app.server).get('/v1/test/whoami').set(bearer(key)).expect(403);
    expect(refused.body.error).toMatchObject({ code: 'tenant_suspended', type: 'permission_error' });
    const resumed = await request(app.server)
      .patch(`/admin/tenants/${tenantId}`)
      .set(admin)
      .send({ status: 'active', rate_limit_rpm: 42 })
      .expect(200);
    expect(resumed.body).toMatchObject({ status: 'active', rate_limit_rpm: 42 });
    const who = await request(app.server).get('/v1/test/whoami').set(bearer(key)).expect(200);
    expect(who.body.rateLimitPerMinute).toBe(42);
    await request(app.server)
      .patch(`/admin/tenants/${tenantId}`)
      .set(admin)
      .send({ status: 'paused' })
      .expect(400);
    await request(app.server).patch(`/admin/tenants/${tenantId}`).set(admin).send({}).expect(400);

    const audit: Array<{ action: string; actor: string; details: Record<string, unknown> }> =
      await app.dataSource.query(
        `SELECT action, actor, details FROM audit_log WHERE target_id IN ($1, $2) ORDER BY id`,
        [tenantId, keyId],
      );
    expect(audit.map((entry) => entry.action)).toEqual([
      'tenant.create',
      'api_key.create',
      'tenant.suspend',
      'tenant.resume',
    ]);
    expect(audit.every((entry) => entry.actor === 'admin')).toBe(true);
    expect(JSON.stringify(audit)).not.toContain(key);
  });

  it('answers 404 for unknown or malformed ids', async () => {
    await request(app.server)
      .get('/admin/tenants/00000000-0000-0000-0000-00000000abcd')
      .set(admin)
      .expect(404);
    await request(app.server).get('/admin/tenants/not-a-uuid').set(admin).expect(404);
    await request(app.server)
      .delete('/admin/keys/00000000-0000-0000-0000-00000000abcd')
      .set(admin)
      .expect(404);
    const list = await request(app.server).get('/admin/tenants?limit=2').set(admin).expect(200);
    expect(list.body.object).toBe('list');
    expect(list.body.data).toHaveLength(2);
    await request(app.server).get('/admin/tenants?limit=0').set(admin).expect(400);
  });
}

describe('API keys and tenants on the embedded database', () => {
  keyLifecycle(() =>
    bootBillingApp({ DATA_DIR: ':memory:', ADMIN_API_KEY: ADMIN_KEY, API_KEY_HASH_SECRET: HASH_SECRET }),
  );
});

describeIfPostgres('API keys and tenants on Postgres', () => {
  let database: TestDatabase;
  keyLifecycle(async () => {
    database = await createTestDatabase();
    return bootBillingApp({
      DATABASE_URL: database.url,
      ADMIN_API_KEY: ADMIN_KEY,
      API_KEY_HASH_SECRET: HASH_SECRET,
    });
  });
  afterAll(async () => database?.drop()); // after the app's own afterAll has closed it
});

describe('admin API without ADMIN_API_KEY', () => {
  let app: BillingApp;
  beforeAll(async () => {
    app = await bootBillingApp({ DATA_DIR: ':memory:' });
  });
  afterAll(async () => app?.close());

  it('does not exist (404 on every admin route)', async () => {
    await request(app.server).get('/admin/tenants').expect(404);
    await request(app.server).post('/admin/tenants').set(admin).send({ name: 'x' }).expect(404);
    await request(app.server)
      .delete('/admin/keys/00000000-0000-0000-0000-000000000001')
      .set(admin)
      .expect(404);
  });
});

const REDIS_URL = process.env.REDIS_URL;
const describeIfShared = process.env.DATABASE_URL && REDIS_URL ? describe : describe.skip;

describeIfShared('revocation across replicas (Postgres + Redis pub/sub)', () => {
  let database: TestDatabase;
  let first: BillingApp;
  let second: BillingApp;

  beforeAll(async () => {
    database = await createTestDatabase();
    // A long cache TTL, so that only the pub/sub invalidation can explain a quick refusal.
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL: REDIS_URL as string,
      REDIS_KEY_PREFIX: testRedisPrefix(),
      ADMIN_API_KEY: ADMIN_KEY,
      KEY_CACHE_TTL_MS: '300000',
    };
    first = await bootBillingApp(env);
    second = await bootBillingApp(env);
  });
  afterAll(async () => {
    await second?.close();
    await first?.close();
    await database?.drop();
  });

  it('refuses a revoked key on the other replica within a second', async () => {
    const { keyId, key } = await createTenantWithKey(first.server, ADMIN_KEY, 'wayne', {
      keyName: 'shared',
    });
    await request(second.server).get('/v1/test/whoami').set(bearer(key)).expect(200);
    await request(first.server).delete(`/admin/keys/${keyId}`).set(admin).expect(200);
    const deadline = Date.now() + 1_000;
    let status = 200;
    while (Date.now() < deadline) {
      status = (await request(second.server).get('/v1/test/whoami').set(bearer(key))).status;
      if (status === 401) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(status).toBe(401);
  });

  it('refuses a suspended tenant on the other replica within a second', async () => {
    const { tenantId, key } = await createTenantWithKey(first.server, ADMIN_KEY, 'stark', {
      keyName: 'shared',
    });
    await request(second.server).get('/v1/test/whoami').set(bearer(key)).expect(200);
    await request(first.server)
      .patch(`/admin/tenants/${tenantId}`)
      .set(admin)
      .send({ status: 'suspended' })
      .expect(200);
    const deadline = Date.now() + 1_000;
    let status = 200;
    while (Date.now() < deadline) {
      status = (await request(second.server).get('/v1/test/whoami').set(bearer(key))).status;
      if (status === 403) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(status).toBe(403);
  });
});
