import type { DataSource } from 'typeorm';
import { ErrorCode, GatewayError } from '../../common/errors';
import { loadAppConfig } from '../../config/app-config';
import type { BillingEventsService, BillingEventListener } from '../events/billing-events.service';
import {
  DatabaseApiKeyResolver,
  NEGATIVE_TTL_MS,
  resolutionOf,
  type KeyRow,
} from './api-key-resolver.service';
import { ApiKeyHasher, generateApiKey } from './api-key-secret';

const SECRET = 'resolver-test-secret-0123456789abcdef';

function row(overrides: Partial<KeyRow> = {}): KeyRow {
  return {
    id: '11111111-1111-1111-1111-111111111111',
    key_hash: '',
    status: 'active',
    expires_at: null,
    tenant_id: '22222222-2222-2222-2222-222222222222',
    tenant_name: 'acme',
    tenant_status: 'active',
    rate_limit_rpm: null,
    ...overrides,
  };
}

/** A resolver over a fake database that counts its queries. */
function setup(rows: Map<string, KeyRow>, ttl = '5000') {
  const config = loadAppConfig({ API_KEY_HASH_SECRET: SECRET, KEY_CACHE_TTL_MS: ttl, RATE_LIMIT_RPM: '600' });
  const queries: string[] = [];
  const dataSource = {
    query: async (text: string, params: unknown[]) => {
      queries.push(text);
      await new Promise((resolve) => setImmediate(resolve));
      const found = rows.get(params[0] as string);
      return found ? [found] : [];
    },
  } as unknown as DataSource;
  const listeners: BillingEventListener[] = [];
  const events = {
    subscribe: (listener: BillingEventListener) => listeners.push(listener),
  } as unknown as BillingEventsService;
  const resolver = new DatabaseApiKeyResolver(config, dataSource, events);
  resolver.onModuleInit();
  return {
    resolver,
    queries,
    emit: (event: Parameters<BillingEventListener>[0]) => listeners.forEach((l) => l(event)),
  };
}

describe('resolutionOf', () => {
  const now = Date.parse('2025-06-01T00:00:00Z');

  it('turns an active key into a frozen principal with the tenant override or the default limit', () => {
    const { resolution, validUntil } = resolutionOf(row({ rate_limit_rpm: 7 }), now, 600);
    expect(resolution).toEqual({
      tenantId: '22222222-2222-2222-2222-222222222222',
      tenantName: 'acme',
      keyId: '11111111-1111-1111-1111-111111111111',
      source: 'database',
      rateLimitPerMinute: 7,
      rateLimitKey: '11111111-1111-1111-1111-111111111111',
    });
    expect(Object.isFrozen(resolution)).toBe(true);
    expect(validUntil).toBe(Infinity);
    expect(resolutionOf(row(), now, 600).resolution).toMatchObject({ rateLimitPerMinute: 600 });
  });

  it('refuses revoked and expired keys (401) and suspended tenants (403)', () => {
    expect(resolutionOf(row({ status: 'revoked' }), now, 600).resolution).toMatchObject({
      denied: ErrorCode.InvalidApiKey,
    });
    expect(resolutionOf(row({ expires_at: new Date(now) }), now, 600).resolution).toMatchObject({
      denied: ErrorCode.InvalidApiKey,
      message: expect.stringContaining('expired'),
    });
    expect(resolutionOf(row({ tenant_status: 'suspended' }), now, 600).resolution).toMatchObject({
      denied: ErrorCode.TenantSuspended,
    });
  });

  it('caps the cache lifetime of a key at its expiry', () => {
    const expires = new Date(now + 1_234);
    expect(resolutionOf(row({ expires_at: expires.toISOString() }), now, 600).validUntil).toBe(now + 1_234);
  });
});

describe('DatabaseApiKeyResolver', () => {
  const hasher = new ApiKeyHasher(SECRET);

  it('answers repeated requests from memory: one query for many resolutions', async () => {
    const { key } = generateApiKey();
    const { resolver, queries } = setup(
      new Map([[hasher.digest(key), row({ key_hash: hasher.digest(key) })]]),
    );
    const principals = await Promise.all(Array.from({ length: 50 }, () => resolver.resolve(key)));
    for (let i = 0; i < 50; i++) await resolver.resolve(key);
    expect(queries).toHaveLength(1); // concurrent misses share the one lookup
    expect(new Set(principals).size).toBe(1);
    resolver.onModuleDestroy();
  });

  it('caches unknown keys too, and never queries for malformed ones', async () => {
    const { resolver, queries } = setup(new Map());
    const unknown = generateApiKey().key;
    expect(await resolver.resolve(unknown)).toBeNull();
    expect(await resolver.resolve(unknown)).toBeNull();
    expect(await resolver.resolve('sk-not-ours')).toBeNull();
    expect(queries).toHaveLength(1);
    resolver.onModuleDestroy();
  });

  it('remembers unknown keys for a minute, bounded, whatever KEY_CACHE_TTL_MS says', async () => {
    const { resolver, queries, emit } = setup(new Map(), '0'); // no caching of known keys
    const unknown = generateApiKey().key;
    for (let i = 0; i < 5; i++) expect(await resolver.resolve(unknown)).toBeNull();
    expect(queries).toHaveLength(1);
    // Creating a key publishes its digest: the negative entry goes at once.
    emit({ type: 'key', keyHash: hasher.digest(unknown) });
    await resolver.resolve(unknown);
    expect(queries).toHaveLength(2);
    expect(NEGATIVE_TTL_MS).toBe(60_000);
    resolver.onModuleDestroy();
  });

  it("drops a key on its invalidation event, and a tenant's keys on a tenant event", async () => {
    const { key } = generateApiKey();
    const digest = hasher.digest(key);
    const rows = new Map([[digest, row({ key_hash: digest })]]);
    const { resolver, queries, emit } = setup(rows);
    await resolver.resolve(key);
    rows.set(digest, row({ key_hash: digest, status: 'revoked' }));
    expect(await resolver.resolve(key)).not.toBeNull(); // still cached
    emit({ type: 'key', keyHash: digest });
    await expect(resolver.resolve(key)).rejects.toMatchObject({ code: ErrorCode.InvalidApiKey, status: 401 });
    await expect(resolver.resolve(key)).rejects.toBeInstanceOf(GatewayError); // refusal cached
    expect(queries).toHaveLength(2);

    rows.set(digest, row({ key_hash: digest, tenant_status: 'suspended' }));
    emit({ type: 'tenant', tenantId: '22222222-2222-2222-2222-222222222222' });
    await expect(resolver.resolve(key)).rejects.toMatchObject({
      code: ErrorCode.TenantSuspended,
      status: 403,
    });
    resolver.onModuleDestroy();
  });

  it('re-reads a key once its cache entry has expired (the TTL bounds staleness without Redis)', async () => {
    const { key } = generateApiKey();
    const digest = hasher.digest(key);
    const rows = new Map([[digest, row({ key_hash: digest })]]);
    const { resolver, queries } = setup(rows, '30');
    await resolver.resolve(key);
    rows.set(digest, row({ key_hash: digest, status: 'revoked' }));
    await new Promise((resolve) => setTimeout(resolve, 40));
    await expect(resolver.resolve(key)).rejects.toMatchObject({ code: ErrorCode.InvalidApiKey });
    expect(queries).toHaveLength(2);
    resolver.onModuleDestroy();
  });

  it('reports a database failure as 503, without caching it', async () => {
    const config = loadAppConfig({ API_KEY_HASH_SECRET: SECRET });
    let fail = true;
    const dataSource = {
      query: async () => {
        if (fail) throw new Error('connection refused');
        return [];
      },
    } as unknown as DataSource;
    const events = { subscribe: () => undefined } as unknown as BillingEventsService;
    const resolver = new DatabaseApiKeyResolver(config, dataSource, events);
    const key = generateApiKey().key;
    await expect(resolver.resolve(key)).rejects.toMatchObject({
      code: ErrorCode.ServiceUnavailable,
      status: 503,
    });
    fail = false;
    expect(await resolver.resolve(key)).toBeNull();
  });
});

describe('DatabaseApiKeyResolver: admin keys', () => {
  const hasher = new ApiKeyHasher(SECRET);
  const now = Date.parse('2025-06-01T00:00:00Z');

  it('turns tenant admin and platform admin rows into admin principals', () => {
    expect(resolutionOf(row({ role: 'tenant_admin', name: 'team admin' }), now, 600).resolution).toEqual({
      admin: {
        role: 'tenant_admin',
        tenantId: '22222222-2222-2222-2222-222222222222',
        keyId: '11111111-1111-1111-1111-111111111111',
        name: 'team admin',
      },
      tenantId: '22222222-2222-2222-2222-222222222222',
    });
    const platform = row({ role: 'platform_admin', name: 'ops', tenant_id: null, tenant_name: null });
    expect(resolutionOf(platform, now, 600).resolution).toMatchObject({
      admin: { role: 'platform_admin', tenantId: null, name: 'ops' },
    });
    expect(resolutionOf({ ...platform, status: 'revoked' }, now, 600).resolution).toMatchObject({
      denied: ErrorCode.InvalidApiKey,
    });
  });

  it('keeps the roles apart: admin keys are refused on the model API, client keys on the admin API', async () => {
    const admin = generateApiKey().key;
    const client = generateApiKey().key;
    const rows = new Map([
      [hasher.digest(admin), row({ key_hash: hasher.digest(admin), role: 'tenant_admin', name: 'a' })],
      [
        hasher.digest(client),
        row({ key_hash: hasher.digest(client), id: '33333333-3333-3333-3333-333333333333' }),
      ],
    ]);
    const { resolver, queries } = setup(rows);
    expect(await resolver.resolveAdmin(admin)).toMatchObject({ role: 'tenant_admin', name: 'a' });
    await expect(resolver.resolve(admin)).rejects.toMatchObject({
      code: ErrorCode.PermissionDenied,
      status: 403,
    });
    await expect(resolver.resolveAdmin(client)).rejects.toMatchObject({ code: ErrorCode.PermissionDenied });
    expect(await resolver.resolve(client)).toMatchObject({ keyId: '33333333-3333-3333-3333-333333333333' });
    expect(await resolver.resolveAdmin(generateApiKey().key)).toBeNull();
    expect(queries).toHaveLength(3); // one per key, whichever API asked
    resolver.onModuleDestroy();
  });

  it('drops an admin key on its invalidation event (revocation) and on its tenant event (suspension)', async () => {
    const { key } = generateApiKey();
    const digest = hasher.digest(key);
    const rows = new Map([[digest, row({ key_hash: digest, role: 'tenant_admin' })]]);
    const { resolver, emit } = setup(rows);
    await resolver.resolveAdmin(key);
    rows.set(digest, row({ key_hash: digest, role: 'tenant_admin', status: 'revoked' }));
    emit({ type: 'key', keyHash: digest });
    await expect(resolver.resolveAdmin(key)).rejects.toMatchObject({
      code: ErrorCode.InvalidApiKey,
      status: 401,
    });
    rows.set(digest, row({ key_hash: digest, role: 'tenant_admin', tenant_status: 'suspended' }));
    emit({ type: 'tenant', tenantId: '22222222-2222-2222-2222-222222222222' });
    await expect(resolver.resolveAdmin(key)).rejects.toMatchObject({ code: ErrorCode.TenantSuspended });
    resolver.onModuleDestroy();
  });
});
