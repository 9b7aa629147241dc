import type { DataSource } from 'typeorm';
import { bootTestApp, TEST_ADMIN_KEY } from '../support/app';
import {
  bootEmbedded,
  bootPostgres,
  call,
  createFixture,
  expected,
  EXPECTATIONS,
  meets,
  ROLES,
  servedAdminRoutes,
  targets,
  withoutId,
  type Answer,
  type Booted,
  type Fixture,
} from '../support/admin-matrix';
import { SERVER_DATABASE_URL } from '../support/postgres';
import { SERVER_REDIS_URL } from '../support/redis';

/**
 * Roles (issue 16): platform admins (ADMIN_API_KEY, platform admin keys), tenant admins (a key
 * role confined to its tenant), client keys (the model API only). The matrix walks every admin
 * route Express serves × every kind of caller × own tenant / another tenant / an id naming
 * nothing (test/support/admin-matrix.ts); then what a tenant admin can do for its own tenant.
 */

const SETUPS: Array<[string, () => Promise<Booted>]> = [
  ['the embedded database (enhanced mode)', bootEmbedded],
];
if (SERVER_DATABASE_URL && SERVER_REDIS_URL)
  SETUPS.push(['Postgres and Redis (production mode)', bootPostgres]);

/** Everything about a tenant an admin could change (to prove a tenant admin changed nothing of B). */
async function tenantState(dataSource: DataSource, tenantId: string): Promise<string> {
  const rows = await Promise.all([
    dataSource.query(`SELECT name, status, rate_limit_rpm, updated_at FROM tenants WHERE id = $1`, [
      tenantId,
    ]),
    dataSource.query(`SELECT id, status, role, revoked_at FROM api_keys WHERE tenant_id = $1 ORDER BY id`, [
      tenantId,
    ]),
    dataSource.query(
      `SELECT api_key_id, limit_nano, period, updated_at FROM budgets WHERE tenant_id = $1 ORDER BY id`,
      [tenantId],
    ),
    dataSource.query(`SELECT policy, ceiling FROM tenant_policies WHERE tenant_id = $1`, [tenantId]),
  ]);
  return JSON.stringify(rows);
}

/** What a tenant admin must never see in an answer about its own tenant: anything of B. */
function mentionsOfB(answer: Answer, fixture: Fixture): string[] {
  const text = JSON.stringify(answer.body);
  return [fixture.tenantB.id, fixture.tenantB.name, fixture.keyOfB].filter((secret) => text.includes(secret));
}

describe.each(SETUPS)('admin roles on %s', (_name, boot) => {
  let booted: Booted;
  let fixture: Fixture;
  let routes: string[];

  beforeAll(async () => {
    booted = await boot();
    fixture = await createFixture(booted);
    routes = servedAdminRoutes(booted.app);
  }, 120_000);

  afterAll(async () => {
    await booted?.cleanup();
  });

  it('has a reviewed expectation for every admin route the gateway serves', () => {
    expect(routes.length).toBeGreaterThanOrEqual(17);
    expect(routes.filter((route) => EXPECTATIONS[route] === undefined)).toEqual([]);
  });

  it('answers every admin route × caller × tenant as expected; a tenant admin never learns of another tenant', async () => {
    const stateOfB = await tenantState(booted.dataSource, fixture.tenantB.id);
    const wrong: string[] = [];
    const leaks: string[] = [];
    /** route → the tenant admin's answer about B's id (ids masked). */
    const tenantAdminOnOther = new Map<string, string>();
    let calls = 0;
    for (const role of ROLES) {
      for (const route of routes) {
        const expectation = EXPECTATIONS[route];
        const [method, pattern] = route.split(' ');
        for (const [scope, id] of targets(expectation, fixture)) {
          const path = id === null ? pattern : pattern.replace(':id', id);
          const answer = await call(
            booted.app,
            method,
            path,
            fixture.credentials[role],
            expectation.body?.(),
          );
          calls++;
          const want = expected(role, expectation, scope);
          if (!meets(answer, want)) {
            wrong.push(
              `${role}: ${method} ${path} (${scope}) → ${answer.status} ${JSON.stringify(answer.body).slice(0, 160)}; expected ${want}`,
            );
          }
          if (role === 'tenant admin of A' && (scope === 'own' || scope === 'none')) {
            leaks.push(...mentionsOfB(answer, fixture).map((found) => `${route}: ${found}`));
          }
          if (role === 'tenant admin of A' && scope === 'other') {
            tenantAdminOnOther.set(route, withoutId(answer, id as string));
          }
          // Another tenant's id and an id naming nothing get the same answer, byte for byte.
          if (role === 'tenant admin of A' && scope === 'missing' && expectation.tenantAdmins) {
            expect(withoutId(answer, id as string)).toBe(tenantAdminOnOther.get(route));
          }
          // …and it is the answer a platform admin gets for an id naming nothing.
          if (
            role === 'ADMIN_API_KEY' &&
            scope === 'missing' &&
            expectation.tenantAdmins &&
            answer.status === 404
          ) {
            expect(tenantAdminOnOther.get(route)).toBe(withoutId(answer, id as string));
          }
        }
      }
      if (role === 'tenant admin of A')
        expect(await tenantState(booted.dataSource, fixture.tenantB.id)).toBe(stateOfB);
    }
    expect(wrong).toEqual([]);
    expect(leaks).toEqual([]);
    expect(calls).toBeGreaterThan(ROLES.length * routes.length);
  }, 600_000);

  it('lets a tenant admin run its own tenant: keys, key budgets within the tenant budget, usage', async () => {
    const app = booted.app;
    const tenantAdmin = fixture.credentials['tenant admin of A'];
    const A = fixture.tenantA.id;
    const listed = await call(app, 'GET', '/admin/tenants', tenantAdmin);
    expect((listed.body.data as Array<{ id: string }>).map((tenant) => tenant.id)).toEqual([A]);

    const created = await call(app, 'POST', `/admin/tenants/${A}/keys`, tenantAdmin, { name: 'ci' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ tenant_id: A, role: 'client', status: 'active' });
    const clientKey = String(created.body.key);
    expect((await call(app, 'GET', '/v1/models', clientKey)).status).toBe(200);
    expect((await call(app, 'GET', `/admin/tenants/${A}`, clientKey)).body.error).toMatchObject({
      code: 'permission_denied',
    });
    const keys = await call(app, 'GET', `/admin/tenants/${A}/keys`, tenantAdmin);
    expect((keys.body.data as Array<{ id: string }>).map((key) => key.id)).toContain(created.body.id);

    const escalate = await call(app, 'POST', `/admin/tenants/${A}/keys`, tenantAdmin, {
      name: 'second admin',
      role: 'tenant_admin',
    });
    expect(escalate.status).toBe(403);
    expect(escalate.body.error).toMatchObject({ code: 'permission_denied', param: 'role' });

    await call(app, 'PUT', `/admin/tenants/${A}/budget`, TEST_ADMIN_KEY, {
      limit_usd: 50,
      period: 'monthly',
    });
    const within = await call(app, 'PUT', `/admin/keys/${String(created.body.id)}/budget`, tenantAdmin, {
      limit_usd: 20,
      period: 'monthly',
    });
    expect(within.status).toBe(200);
    expect(within.body).toMatchObject({ scope: 'key', limit_usd: 20 });
    const above = await call(app, 'PUT', `/admin/keys/${String(created.body.id)}/budget`, tenantAdmin, {
      limit_usd: 60,
      period: 'monthly',
    });
    expect(above.status).toBe(403);
    expect(above.body.error).toMatchObject({ code: 'permission_denied', param: 'limit_usd' });
    expect(above.body.error?.message).toContain("above the tenant's 50 USD");
    const own = await call(app, 'PUT', `/admin/tenants/${A}/budget`, tenantAdmin, {
      limit_usd: 500,
      period: 'monthly',
    });
    expect(own.status).toBe(403);
    expect((await call(app, 'GET', `/admin/tenants/${A}/usage`, tenantAdmin)).status).toBe(200);

    const revoked = await call(app, 'DELETE', `/admin/keys/${String(created.body.id)}`, tenantAdmin);
    expect(revoked.body).toMatchObject({ status: 'revoked' });
    expect((await call(app, 'GET', '/v1/models', clientKey)).status).toBe(401);
  });

  it('keeps admin keys off the model API and names the admin key in the audit log', async () => {
    const tenantAdmin = fixture.credentials['tenant admin of A'];
    for (const key of [tenantAdmin, fixture.credentials['platform admin key']]) {
      const refused = await call(booted.app, 'GET', '/v1/models', key);
      expect(refused.status).toBe(403);
      expect(refused.body.error?.code).toBe('permission_denied');
    }
    const rows: Array<{ action: string; details: Record<string, unknown> }> = await booted.dataSource.query(
      `SELECT action, details FROM audit_log WHERE actor = $1 ORDER BY id`,
      [`tenant_admin:${fixture.tenantAdminKeyId}`],
    );
    expect(rows.map((row) => row.action)).toEqual(
      expect.arrayContaining(['api_key.create', 'budget.put', 'api_key.revoke']),
    );
    expect(rows[0].details).toMatchObject({
      actor_role: 'tenant_admin',
      actor_key_id: fixture.tenantAdminKeyId,
      actor_key_name: 'team-a-admin',
      actor_tenant_id: fixture.tenantA.id,
    });
  });

  it("lets a tenant admin narrow its policy within the platform admin's, never widen it", async () => {
    if (!routes.includes('PUT /admin/tenants/:id/policy')) {
      // This mode has no tenant policy (yet): nothing to narrow.
      expect(routes.some((route) => route.includes('/policy'))).toBe(false);
      return;
    }
    const app = booted.app;
    const tenantAdmin = fixture.credentials['tenant admin of A'];
    const path = `/admin/tenants/${fixture.tenantA.id}/policy`;
    const ceiling = {
      allowed_models: ['gpt-4o-mini', 'gpt-4o'],
      pii: { action: 'redact', kinds: ['email'] },
    };
    expect((await call(app, 'PUT', path, TEST_ADMIN_KEY, ceiling)).status).toBe(200);
    const narrowed = await call(app, 'PUT', path, tenantAdmin, { allowed_models: ['gpt-4o-mini'] });
    expect(narrowed.status).toBe(200);
    expect(narrowed.body.policy).toMatchObject({ allowed_models: ['gpt-4o-mini'], pii: ceiling.pii });
    expect(narrowed.body.ceiling).toMatchObject(ceiling);
    const chat = await call(app, 'POST', '/v1/chat/completions', fixture.credentials['client key of A'], {
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(chat.body.error?.code).toBe('model_not_found');
    for (const [wider, param] of [
      [{ allowed_models: ['gpt-4o-mini', 'o1'] }, 'allowed_models'],
      [{ allowed_models: null }, 'allowed_models'],
      [{ pii: { action: 'off' } }, 'pii'],
      [{ routing: { default: { model: 'gpt-4o' } } }, 'routing'],
    ] as const) {
      const refused = await call(app, 'PUT', path, tenantAdmin, wider);
      expect(refused.status).toBe(403);
      expect(refused.body.error).toMatchObject({ code: 'permission_denied', param });
    }
    expect((await call(app, 'DELETE', path, tenantAdmin)).status).toBe(204);
    const reset = await call(app, 'GET', path, tenantAdmin);
    expect(reset.body.policy).toMatchObject(ceiling);
    // The reset is a new policy version, recorded with its number (UPDATE … RETURNING answers
    // [rows, count] through the drivers: the version was once read as undefined).
    const [audited]: Array<{ details: { policy_version: unknown } }> = await booted.dataSource.query(
      `SELECT details FROM audit_log WHERE action = 'policy.reset_to_ceiling' AND target_id = $1
        ORDER BY id DESC LIMIT 1`,
      [fixture.tenantA.id],
    );
    expect(audited.details.policy_version).toEqual(expect.any(Number));
  });

  it('without ADMIN_API_KEY shows the admin API to active admin keys only; revocation reaches another replica', async () => {
    if (booted.env.DATABASE_URL === undefined) {
      // The embedded database is in memory, one per process: no second replica can share it.
      expect(booted.env.MODE).toBe('enhanced');
      return;
    }
    const replica = await bootTestApp({ ...booted.env, ADMIN_API_KEY: undefined });
    try {
      const { credentials, tenantA } = fixture;
      for (const key of [
        undefined,
        credentials['wrong key'],
        credentials['client key of A'],
        TEST_ADMIN_KEY,
      ]) {
        const hidden = await call(replica, 'GET', '/admin/tenants', key);
        expect(hidden.status).toBe(404);
        expect(hidden.body.error?.message).toBe('Unknown request URL: GET /admin/tenants.');
      }
      const platformKey = credentials['platform admin key'];
      expect((await call(replica, 'GET', '/admin/admin-keys', platformKey)).status).toBe(200);
      expect(
        (await call(replica, 'GET', `/admin/tenants/${tenantA.id}`, credentials['tenant admin of A'])).status,
      ).toBe(200);
      // Revoked on the first replica; the second had the key cached for KEY_CACHE_TTL_MS (5 min).
      const spare = await call(booted.app, 'POST', '/admin/admin-keys', TEST_ADMIN_KEY, { name: 'spare' });
      expect((await call(replica, 'GET', '/admin/admin-keys', String(spare.body.key))).status).toBe(200);
      await call(booted.app, 'DELETE', `/admin/admin-keys/${String(spare.body.id)}`, TEST_ADMIN_KEY);
      let status = 200;
      for (let attempt = 0; attempt < 100 && status === 200; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        status = (await call(replica, 'GET', '/admin/admin-keys', String(spare.body.key))).status;
      }
      // Without ADMIN_API_KEY a refused key sees no admin API at all.
      expect(status).toBe(404);
      expect((await call(booted.app, 'GET', '/admin/admin-keys', String(spare.body.key))).status).toBe(401);
    } finally {
      await replica.close();
    }
  }, 120_000);
});
