import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { generateApiKey } from '../../src/billing/keys/api-key-secret';
import { bootTestApp, TEST_ADMIN_KEY, TEST_API_KEY, TestApp } from '../support/app';
import { createTestDatabase, SERVER_DATABASE_URL, TestDatabase } from '../support/postgres';
import { deleteRedisPrefix, describeIfRedis, SERVER_REDIS_URL, uniqueRedisPrefix } from '../support/redis';

/** Booting a gateway on the embedded database takes a while on a busy 2-core machine. */
const BOOT_TIMEOUT_MS = 90_000;

/**
 * Issue 11, "Authentication abuse": failed authentication was never throttled — each made-up
 * `mm-` key cost a database lookup, and ADMIN_API_KEY could be guessed at full speed. Now wrong
 * keys are counted per client address; past AUTH_FAILURE_LIMIT the address gets 429 (whatever
 * key it sends) until the window ends, and other addresses are not affected.
 */
const LIMIT = 5;
const randomKey = (): string =>
  `mm-${randomBytes(32).toString('base64url').replace(/[-_]/g, 'x').slice(0, 43)}`;

/** The key lookups the resolver sent to the database. */
function countKeyLookups(gateway: TestApp): () => number {
  const dataSource = gateway.app.get(DataSource);
  const query = jest.spyOn(dataSource, 'query');
  return () => query.mock.calls.filter(([sql]) => String(sql).includes('WHERE k.key_hash = $1')).length;
}

function expectThrottled(response: { status: number; headers: Record<string, string>; body: unknown }): void {
  expect(response.status).toBe(429);
  expect(Number(response.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  expect(response.body).toEqual({
    error: {
      message: expect.stringMatching(
        /^Too many failed authentication attempts from your address\. Retry after \d+ s\.$/,
      ),
      type: 'rate_limit_error',
      param: null,
      code: 'rate_limit_exceeded',
    },
  });
}

describe('failed authentication is throttled per client address (in memory)', () => {
  let gateway: TestApp;
  let lookups: () => number;

  beforeAll(async () => {
    gateway = await bootTestApp({
      ADMIN_API_KEY: TEST_ADMIN_KEY,
      AUTH_FAILURE_LIMIT: String(LIMIT),
      // The test client is on loopback: let it name the client address it stands for.
      TRUST_PROXY: 'loopback',
    });
    lookups = countKeyLookups(gateway);
  }, BOOT_TIMEOUT_MS);
  afterAll(async () => gateway?.close());

  const models = (key: string, from: string) =>
    gateway.http.get('/v1/models').set('authorization', `Bearer ${key}`).set('x-forwarded-for', from);

  it('stops made-up keys after the limit: no more database lookups, and a valid key is refused too', async () => {
    const attacker = '203.0.113.10';
    const before = lookups();
    for (let i = 0; i < LIMIT; i++) expect((await models(randomKey(), attacker)).status).toBe(401);
    for (let i = 0; i < 20; i++) expectThrottled(await models(randomKey(), attacker));
    expect(lookups() - before).toBe(LIMIT);
    // A right guess cannot be told from a wrong one once throttled.
    expectThrottled(await models(TEST_API_KEY, attacker));
  });

  it('does not lock out other addresses', async () => {
    const attacker = '203.0.113.11';
    for (let i = 0; i < LIMIT + 3; i++) await models(randomKey(), attacker);
    expectThrottled(await models(TEST_API_KEY, attacker));
    expect((await models(TEST_API_KEY, '198.51.100.20')).status).toBe(200);
    expect((await models(randomKey(), '198.51.100.21')).status).toBe(401);
  });

  it('counts a whole IPv6 /64 as one address', async () => {
    for (let i = 0; i < LIMIT; i++) await models(randomKey(), `2001:db8:7:7::${i + 1}`);
    expectThrottled(await models(TEST_API_KEY, '2001:db8:7:7:ffff::abcd'));
    expect((await models(TEST_API_KEY, '2001:db8:7:8::1')).status).toBe(200);
  });

  it('does not count missing keys, nor successful ones', async () => {
    const client = '198.51.100.30';
    for (let i = 0; i < LIMIT * 2; i++) {
      expect((await gateway.http.get('/v1/models').set('x-forwarded-for', client)).status).toBe(401);
      expect((await models(TEST_API_KEY, client)).status).toBe(200);
    }
  });

  it('throttles guesses of ADMIN_API_KEY the same way', async () => {
    const attacker = '203.0.113.12';
    const admin = (key: string) =>
      gateway.http
        .get('/admin/tenants')
        .set('authorization', `Bearer ${key}`)
        .set('x-forwarded-for', attacker);
    for (let i = 0; i < LIMIT; i++) expect((await admin(`guess-${i}-0123456789abcdef`)).status).toBe(401);
    expectThrottled(await admin('another-guess-0123456789'));
    expectThrottled(await admin(TEST_ADMIN_KEY));
    expect((await admin(TEST_ADMIN_KEY).set('x-forwarded-for', '198.51.100.40')).status).toBe(200);
  });

  it('remembers an unknown key: repeating it costs no lookup', async () => {
    const key = generateApiKey().key;
    const before = lookups();
    for (const from of ['198.51.100.50', '198.51.100.51', '198.51.100.52'])
      expect((await models(key, from)).status).toBe(401);
    expect(lookups() - before).toBe(1);
  });
});

describe('without TRUST_PROXY, X-Forwarded-For is ignored', () => {
  let gateway: TestApp;

  beforeAll(async () => {
    gateway = await bootTestApp({ AUTH_FAILURE_LIMIT: String(LIMIT) });
  }, BOOT_TIMEOUT_MS);
  afterAll(async () => gateway?.close());

  it('counts the TCP peer, so a client cannot escape by inventing addresses', async () => {
    for (let i = 0; i < LIMIT; i++) {
      const response = await gateway.http
        .get('/v1/models')
        .set('authorization', `Bearer ${randomKey()}`)
        .set('x-forwarded-for', `192.0.2.${i}`);
      expect(response.status).toBe(401);
    }
    expectThrottled(
      await gateway.http
        .get('/v1/models')
        .set('authorization', `Bearer ${TEST_API_KEY}`)
        .set('x-forwarded-for', '192.0.2.200'),
    );
  });
});

describeIfRedis('failed authentications are counted across replicas through Redis', () => {
  const prefix = uniqueRedisPrefix();
  let first: TestApp;
  let second: TestApp;

  let database: TestDatabase | null = null;

  beforeAll(async () => {
    // Two replicas share Postgres when it is there (an embedded database per replica otherwise).
    database = SERVER_DATABASE_URL ? await createTestDatabase() : null;
    const env = {
      REDIS_URL: SERVER_REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      AUTH_FAILURE_LIMIT: '4',
      TRUST_PROXY: 'loopback',
      ...(database ? { DATABASE_URL: database.url, DATA_DIR: undefined } : {}),
    };
    first = await bootTestApp(env);
    second = await bootTestApp(env);
  }, BOOT_TIMEOUT_MS);
  afterAll(async () => {
    await first?.close();
    await second?.close();
    await database?.drop();
    await deleteRedisPrefix(prefix);
  });

  const guess = (gateway: TestApp) =>
    gateway.http
      .get('/v1/models')
      .set('authorization', `Bearer ${randomKey()}`)
      .set('x-forwarded-for', '203.0.113.77');

  it('blocks an address that spreads its guesses over two replicas', async () => {
    for (const gateway of [first, first, second]) expect((await guess(gateway)).status).toBe(401);
    // The fourth failure overall is the limit: the replica that counts it blocks the address.
    expect((await guess(second)).status).toBe(401);
    expectThrottled(await guess(second));
    // The other replica learns with its own next failure from that address: one more try at most.
    expect((await guess(first)).status).toBe(401);
    expectThrottled(await guess(first));
    // One counter per address under REDIS_KEY_PREFIX, expiring with its window.
    const redis = new Redis(SERVER_REDIS_URL as string);
    try {
      const key = `${prefix}authfail:203.0.113.77`;
      expect(Number(await redis.get(key))).toBe(5); // throttled requests are not counted
      expect(await redis.pttl(key)).toBeGreaterThan(0);
    } finally {
      redis.disconnect();
    }
  });
});
