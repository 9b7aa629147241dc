import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { randomBase62 } from '../../src/billing/keys/api-key-secret';
import { bootTestApp, TEST_ADMIN_KEY, type TestApp } from './app';
import { createTestDatabase, type TestDatabase } from './postgres';
import { deleteRedisPrefix, SERVER_REDIS_URL, uniqueRedisPrefix } from './redis';

/**
 * Support for the role matrix (test/e2e/admin-roles.e2e-spec.ts, issue 16): every admin route the booted gateway serves (read from Express's
 * router, so a new route cannot slip by: a route without an expectation below fails the test)
 * × every kind of caller × own tenant / another tenant / a non-existent id → the status each
 * must get. Tenant admins must never learn that another tenant's resource exists: their 404 for
 * another tenant's id is byte for byte the 404 for an id that names nothing.
 *
 * Runs on the embedded database (PGlite, enhanced mode) and on Postgres + Redis (production).
 */

type Target = 'tenant' | 'api_key' | 'admin_key' | 'none';

export interface RouteExpectation {
  /** Tenant admins may call it (for their own tenant); otherwise platform admins only. */
  tenantAdmins: boolean;
  /** What the route's :id names. */
  target: Target;
  /** A valid body, so that an allowed call does what it says. */
  body?: () => object;
}

let sequence = 0;

/** Every admin route, reviewed: a new route must be added here with its access. */
export const EXPECTATIONS: Record<string, RouteExpectation> = {
  'POST /admin/tenants': { tenantAdmins: false, target: 'none', body: () => ({ name: `m-${++sequence}` }) },
  'GET /admin/tenants': { tenantAdmins: true, target: 'none' },
  'GET /admin/tenants/:id': { tenantAdmins: true, target: 'tenant' },
  'PATCH /admin/tenants/:id': {
    tenantAdmins: false,
    target: 'tenant',
    body: () => ({ rate_limit_rpm: 5000 }),
  },
  'POST /admin/tenants/:id/keys': { tenantAdmins: true, target: 'tenant', body: () => ({ name: 'matrix' }) },
  'GET /admin/tenants/:id/keys': { tenantAdmins: true, target: 'tenant' },
  'PUT /admin/tenants/:id/budget': {
    tenantAdmins: false,
    target: 'tenant',
    body: () => ({ limit_usd: 100, period: 'monthly' }),
  },
  'GET /admin/tenants/:id/budget': { tenantAdmins: true, target: 'tenant' },
  'DELETE /admin/tenants/:id/budget': { tenantAdmins: false, target: 'tenant' },
  'GET /admin/tenants/:id/usage': { tenantAdmins: true, target: 'tenant' },
  'DELETE /admin/tenants/:id/cache': { tenantAdmins: true, target: 'tenant' },
  'GET /admin/tenants/:id/policy': { tenantAdmins: true, target: 'tenant' },
  'PUT /admin/tenants/:id/policy': {
    tenantAdmins: true,
    target: 'tenant',
    body: () => ({ blocked_models: ['gpt-4o'] }),
  },
  'DELETE /admin/tenants/:id/policy': { tenantAdmins: true, target: 'tenant' },
  'DELETE /admin/keys/:id': { tenantAdmins: true, target: 'api_key' },
  'PUT /admin/keys/:id/budget': {
    tenantAdmins: true,
    target: 'api_key',
    body: () => ({ limit_usd: 1, period: 'monthly' }),
  },
  'GET /admin/keys/:id/budget': { tenantAdmins: true, target: 'api_key' },
  'DELETE /admin/keys/:id/budget': { tenantAdmins: true, target: 'api_key' },
  'POST /admin/admin-keys': { tenantAdmins: false, target: 'none', body: () => ({ name: 'matrix' }) },
  'GET /admin/admin-keys': { tenantAdmins: false, target: 'none' },
  'DELETE /admin/admin-keys/:id': { tenantAdmins: false, target: 'admin_key' },
  // Routes of the other parts of issue 16 (audit trail, spend reports), checked once they exist.
  'GET /admin/audit': { tenantAdmins: true, target: 'none' },
  'GET /admin/tenants/:id/audit': { tenantAdmins: true, target: 'tenant' },
  'GET /admin/usage': { tenantAdmins: true, target: 'none' },
  // The dashboard's reports (issue 17): tenant admins get their own tenant's figures.
  'GET /admin/usage/latency': { tenantAdmins: true, target: 'none' },
  'GET /admin/usage/routing': { tenantAdmins: true, target: 'none' },
  'GET /admin/budgets': { tenantAdmins: true, target: 'none' },
  // The routing lab (issue 18): platform admins only (a replay reads every tenant's decisions).
  'POST /admin/routing/replay': {
    tenantAdmins: false,
    target: 'none',
    body: () => ({ from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' }),
  },
  // Dynamic thresholds (issue 18): platform-wide values, platform admins only.
  'GET /admin/routing/thresholds': { tenantAdmins: false, target: 'none' },
  'POST /admin/routing/thresholds/apply': {
    tenantAdmins: false,
    target: 'none',
    body: () => ({ low_confidence: 0.4, min_conf_for_direct: 0.8 }),
  },
  // A/B routing experiments (issue 18): platform admins create and stop them (an arm is a
  // routing.yaml, which a tenant admin may not change); tenant admins read their own tenant's.
  // `:experimentId` stays literal here: a well-formed tenant gets the handler's "No experiment".
  'POST /admin/tenants/:id/experiments': {
    tenantAdmins: false,
    target: 'tenant',
    body: () => ({
      name: `matrix-${++sequence}`,
      arms: [
        { name: 'a', weight: 1 },
        { name: 'b', weight: 1 },
      ],
      replace_running: true,
    }),
  },
  'GET /admin/tenants/:id/experiments': { tenantAdmins: true, target: 'tenant' },
  'GET /admin/tenants/:id/experiments/:experimentId': { tenantAdmins: true, target: 'tenant' },
  'POST /admin/tenants/:id/experiments/:experimentId/stop': {
    tenantAdmins: false,
    target: 'tenant',
    body: () => ({}),
  },
  'GET /admin/tenants/:id/experiments/:experimentId/report': { tenantAdmins: true, target: 'tenant' },
  // Shadow classification and routing (issue 18 item 4): platform admins only.
  'GET /admin/routing/shadow/report': { tenantAdmins: false, target: 'none' },
  'GET /admin/routing/shadow/tenants/:id': { tenantAdmins: false, target: 'tenant' },
  'PUT /admin/routing/shadow/tenants/:id': {
    tenantAdmins: false,
    target: 'tenant',
    body: () => ({ enabled: true, sample_rate: 0.1 }),
  },
};

export const ROLES = [
  'tenant admin of A',
  'no credential',
  'wrong key',
  'client key of A',
  'expired admin key',
  'revoked admin key',
  'platform admin key',
  'ADMIN_API_KEY',
] as const;
export type Role = (typeof ROLES)[number];

/** own: tenant A's; other: tenant B's; missing: a well-formed id naming nothing; none: no :id. */
export type Scope = 'own' | 'other' | 'missing' | 'none';

export interface Fixture {
  tenantA: { id: string; name: string };
  tenantB: { id: string; name: string };
  /** Credentials by role (undefined: none sent). */
  credentials: Record<Role, string | undefined>;
  tenantAdminKeyId: string;
  /** Targets of the key routes (never used as credentials). */
  keyOfA: string;
  keyOfB: string;
  disposableAdminKey: string;
}

export interface Answer {
  status: number;
  body: { error?: { message?: string; code?: string } } & Record<string, unknown>;
}

export interface Booted {
  app: TestApp;
  dataSource: DataSource;
  /** The environment it was booted with (to boot a second replica on the same database). */
  env: Record<string, string | undefined>;
  cleanup: () => Promise<void>;
}

const BASE_ENV = { ADMIN_API_KEY: TEST_ADMIN_KEY, AUTH_FAILURE_LIMIT: '0' };

export async function bootEmbedded(): Promise<Booted> {
  const env = { ...BASE_ENV, MODE: 'enhanced' };
  const app = await bootTestApp(env);
  return { app, dataSource: app.app.get(DataSource), env, cleanup: () => app.close() };
}

export async function bootPostgres(): Promise<Booted> {
  const database: TestDatabase = await createTestDatabase();
  const prefix = uniqueRedisPrefix();
  const env = {
    ...BASE_ENV,
    MODE: 'production',
    DATA_DIR: undefined,
    DATABASE_URL: database.url,
    REDIS_URL: SERVER_REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    API_KEY_HASH_SECRET: 'admin-roles-hash-secret-0123456789abcdef',
    // Long enough that only the revocation event, never the cache TTL, can refuse a revoked key.
    KEY_CACHE_TTL_MS: '300000',
  };
  const app = await bootTestApp(env);
  return {
    app,
    dataSource: app.app.get(DataSource),
    env,
    cleanup: async () => {
      await app.close();
      await database.drop();
      await deleteRedisPrefix(prefix);
    },
  };
}

interface ExpressLayer {
  route?: { path: string; methods: Record<string, boolean> };
}

/** The admin routes Express serves, as "METHOD /path". */
export function servedAdminRoutes(app: TestApp): string[] {
  const express = app.app.getHttpAdapter().getInstance() as { router: { stack: ExpressLayer[] } };
  const served = new Set<string>();
  for (const layer of express.router.stack) {
    if (!layer.route?.path.startsWith('/admin')) continue;
    for (const [method, enabled] of Object.entries(layer.route.methods)) {
      if (enabled && method !== '_all') served.add(`${method.toUpperCase()} ${layer.route.path}`);
    }
  }
  return [...served].sort();
}

export async function call(
  app: TestApp,
  method: string,
  path: string,
  key?: string,
  body?: object,
): Promise<Answer> {
  let pending = app.http[method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete'](path);
  if (key !== undefined) pending = pending.set('authorization', `Bearer ${key}`);
  const response = body === undefined ? await pending : await pending.send(body);
  return { status: response.status, body: response.body as Answer['body'] };
}

async function expectCreated(answer: Promise<Answer>): Promise<Answer['body']> {
  const { status, body } = await answer;
  if (status !== 201 && status !== 200) throw new Error(`setup failed: ${status} ${JSON.stringify(body)}`);
  return body;
}

export async function createFixture(booted: Booted): Promise<Fixture> {
  const root = (method: string, path: string, body?: object) =>
    expectCreated(call(booted.app, method, path, TEST_ADMIN_KEY, body));
  const a = await root('POST', '/admin/tenants', { name: `tenant-a-${randomUUID()}` });
  const b = await root('POST', '/admin/tenants', { name: `tenant-b-${randomUUID()}` });
  for (const tenant of [a, b]) {
    await root('PUT', `/admin/tenants/${String(tenant.id)}/budget`, { limit_usd: 100, period: 'monthly' });
  }
  const newKey = (tenant: Answer['body'], body: object) =>
    root('POST', `/admin/tenants/${String(tenant.id)}/keys`, body);
  const clientA = await newKey(a, { name: 'client-a' });
  const tenantAdmin = await newKey(a, { name: 'team-a-admin', role: 'tenant_admin' });
  const keyOfA = await newKey(a, { name: 'target-a' });
  const keyOfB = await newKey(b, { name: 'target-b' });
  const platform = await root('POST', '/admin/admin-keys', { name: 'ops' });
  const expired = await root('POST', '/admin/admin-keys', { name: 'expired' });
  await booted.dataSource.query(
    `UPDATE admin_keys SET expires_at = now() - interval '1 hour' WHERE id = $1`,
    [expired.id],
  );
  const revoked = await root('POST', '/admin/admin-keys', { name: 'revoked' });
  await root('DELETE', `/admin/admin-keys/${String(revoked.id)}`);
  const disposable = await root('POST', '/admin/admin-keys', { name: 'disposable' });
  return {
    tenantA: { id: String(a.id), name: String(a.name) },
    tenantB: { id: String(b.id), name: String(b.name) },
    credentials: {
      'tenant admin of A': String(tenantAdmin.key),
      'no credential': undefined,
      'wrong key': `mm-${randomBase62(43)}`,
      'client key of A': String(clientA.key),
      'expired admin key': String(expired.key),
      'revoked admin key': String(revoked.key),
      'platform admin key': String(platform.key),
      ADMIN_API_KEY: TEST_ADMIN_KEY,
    },
    tenantAdminKeyId: String(tenantAdmin.id),
    keyOfA: String(keyOfA.id),
    keyOfB: String(keyOfB.id),
    disposableAdminKey: String(disposable.id),
  };
}

/** The ids a route is called with, by scope. */
export function targets(expectation: RouteExpectation, fixture: Fixture): Array<[Scope, string | null]> {
  const missing = randomUUID();
  switch (expectation.target) {
    case 'none':
      return [['none', null]];
    case 'tenant':
      return [
        ['own', fixture.tenantA.id],
        ['other', fixture.tenantB.id],
        ['missing', missing],
      ];
    case 'api_key':
      return [
        ['own', fixture.keyOfA],
        ['other', fixture.keyOfB],
        ['missing', missing],
      ];
    case 'admin_key':
      return [
        ['none', fixture.disposableAdminKey],
        ['missing', missing],
      ];
  }
}

export type Expected = number | 'allowed' | 'any';

/** What a caller must get; 'allowed': the handler answered; 'any': a platform admin on a missing id. */
export function expected(role: Role, expectation: RouteExpectation, scope: Scope): Expected {
  switch (role) {
    case 'no credential':
    case 'wrong key':
    case 'expired admin key':
    case 'revoked admin key':
      return 401;
    case 'client key of A':
      return 403;
    case 'platform admin key':
    case 'ADMIN_API_KEY':
      return scope === 'missing' ? 'any' : 'allowed';
    case 'tenant admin of A':
      if (!expectation.tenantAdmins) return 403;
      return scope === 'other' || scope === 'missing' ? 404 : 'allowed';
  }
}

/** The guard's (or a handler's) answer for an id it does not show: "No tenant with id …". */
const UNKNOWN_ID = /^No (tenant|API key|admin key) with id /;

export function meets(answer: Answer, want: Expected): boolean {
  if (want === 'any') return answer.status < 500;
  if (want === 'allowed') {
    return (
      answer.status < 400 || (answer.status === 404 && !UNKNOWN_ID.test(answer.body.error?.message ?? ''))
    );
  }
  return answer.status === want && typeof answer.body.error?.message === 'string';
}

/** A body with the id it names replaced, to compare answers about different ids. */
export function withoutId(answer: Answer, id: string): string {
  return JSON.stringify({ status: answer.status, body: answer.body }).split(id).join('<id>');
}
