import Redis from 'ioredis';
import request from 'supertest';
import { createTenantWithKey } from '../support/tenants';
import { ADMIN_KEY, bootBillingApp, testRedisPrefix, type BillingApp } from './support/billing-app';

const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

const whoami = (app: BillingApp, key: string) => request(app.server).get('/v1/test/whoami').set(bearer(key));

describe('per-key rate limits in memory (no Redis)', () => {
  let app: BillingApp;

  beforeAll(async () => {
    app = await bootBillingApp({
      DATA_DIR: ':memory:',
      ADMIN_API_KEY: ADMIN_KEY,
      API_KEYS: 'sk-static-a-0123456789,sk-static-b-0123456789',
      RATE_LIMIT_RPM: '3',
    });
  });
  afterAll(async () => app?.close());

  it('refuses the request over the limit with 429 rate_limit_exceeded and retry-after, per key', async () => {
    for (let i = 0; i < 3; i++) {
      const ok = await whoami(app, 'sk-static-a-0123456789').expect(200);
      expect(ok.headers['x-ratelimit-limit']).toBe('3');
      expect(ok.headers['x-ratelimit-remaining']).toBe(String(2 - i));
    }
    const refused = await whoami(app, 'sk-static-a-0123456789').expect(429);
    expect(refused.body.error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limit_exceeded' });
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Another key has its own quota.
    await whoami(app, 'sk-static-b-0123456789').expect(200);
  });

  it('does not count unauthenticated requests against anyone', async () => {
    for (let i = 0; i < 5; i++)
      await request(app.server).get('/v1/test/whoami').set(bearer('wrong')).expect(401);
    await whoami(app, 'sk-static-b-0123456789').expect(200);
  });

  it('applies the tenant override (rate_limit_rpm), and 0 means unlimited', async () => {
    const limited = await createTenantWithKey(app.server, ADMIN_KEY, 'limited', { rateLimitRpm: 2 });
    await whoami(app, limited.key).expect(200);
    await whoami(app, limited.key).expect(200);
    await whoami(app, limited.key).expect(429);

    const unlimited = await createTenantWithKey(app.server, ADMIN_KEY, 'unlimited', { rateLimitRpm: 0 });
    for (let i = 0; i < 10; i++) await whoami(app, unlimited.key).expect(200);
  });
});

const REDIS_URL = process.env.REDIS_URL;
const describeIfRedis = REDIS_URL ? describe : describe.skip;

describeIfRedis('per-key rate limits shared by two app instances through Redis', () => {
  const prefix = testRedisPrefix();
  let first: BillingApp;
  let second: BillingApp;
  let redis: Redis;

  beforeAll(async () => {
    redis = new Redis(REDIS_URL as string);
    const env = {
      DATA_DIR: ':memory:',
      REDIS_URL: REDIS_URL as string,
      REDIS_KEY_PREFIX: prefix,
      API_KEYS: 'sk-shared-1-0123456789,sk-shared-2-0123456789',
      RATE_LIMIT_RPM: '5',
    };
    first = await bootBillingApp(env);
    second = await bootBillingApp(env);
  });
  afterAll(async () => {
    await second?.close();
    await first?.close();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('holds the limit across instances (not once per instance)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++)
      statuses.push((await whoami(i % 2 === 0 ? first : second, 'sk-shared-1-0123456789')).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
    const refused = await whoami(second, 'sk-shared-1-0123456789').expect(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    await whoami(first, 'sk-shared-2-0123456789').expect(200);
  });

  it('keeps every Redis key under REDIS_KEY_PREFIX, with an expiry', async () => {
    const keys = await redis.keys(`${prefix}rl:*`);
    expect(keys.length).toBe(2);
    for (const key of keys) {
      const ttl = await redis.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);
    }
  });

  it('holds under a parallel burst from both instances', async () => {
    const responses = await Promise.all(
      Array.from({ length: 40 }, (_, i) => whoami(i % 2 === 0 ? first : second, 'sk-shared-2-0123456789')),
    );
    // sk-shared-2 was used once in the first test.
    expect(responses.filter((res) => res.status === 200)).toHaveLength(4);
  });
});
