import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { RedisThrottlerStorage } from '../../src/auth/rate-limit-storage';

/**
 * Leases (RedisThrottlerStorage counts several hits in Redis at once, far from the limit, and
 * admits the next requests on those permits without a round trip) against a real Redis shared
 * by two replicas: the limit must hold exactly when requests alternate between replicas, under
 * a parallel burst, and on a replica whose view of the count is stale.
 */
const REDIS_URL = process.env.REDIS_URL;
const describeIfRedis = REDIS_URL ? describe : describe.skip;

describeIfRedis('rate limits counted in leases, two replicas on one Redis', () => {
  const prefix = `mmtest_${randomBytes(4).toString('hex')}:rl:`;
  let clients: Redis[];
  let replicas: RedisThrottlerStorage[];

  beforeAll(() => {
    clients = [new Redis(REDIS_URL as string), new Redis(REDIS_URL as string)];
    replicas = clients.map((client) => new RedisThrottlerStorage(client));
  });
  afterAll(async () => {
    const keys = await clients[0].keys(`${prefix}*`);
    if (keys.length > 0) await clients[0].del(...keys);
    await Promise.all(clients.map((client) => client.quit()));
  });

  it('allows exactly the limit when requests alternate between replicas', async () => {
    const key = `${prefix}alternating`;
    const allowed: boolean[] = [];
    for (let i = 0; i < 150; i++) {
      const record = await replicas[i % 2].increment(key, 60_000, 100, 0, 'default');
      allowed.push(!record.isBlocked);
    }
    expect(allowed.filter(Boolean)).toHaveLength(100);
    expect(allowed.slice(0, 100).every(Boolean)).toBe(true);
  });

  it('allows exactly the limit under a parallel burst from both replicas', async () => {
    const key = `${prefix}burst`;
    const records = await Promise.all(
      Array.from({ length: 300 }, (_, i) => replicas[i % 2].increment(key, 60_000, 100, 0, 'default')),
    );
    expect(records.filter((r) => !r.isBlocked)).toHaveLength(100);
  });

  it('never admits past the limit on a replica whose view of the count is stale', async () => {
    const key = `${prefix}stale`;
    expect((await replicas[0].increment(key, 60_000, 60, 0, 'default')).isBlocked).toBe(false);
    for (let i = 0; i < 59; i++)
      expect((await replicas[1].increment(key, 60_000, 60, 0, 'default')).isBlocked).toBe(false);
    // Replica 0 last saw the count at 1; the key has made 60 requests: the 61st is refused.
    expect((await replicas[0].increment(key, 60_000, 60, 0, 'default')).isBlocked).toBe(true);
    expect((await replicas[1].increment(key, 60_000, 60, 0, 'default')).isBlocked).toBe(true);
  });

  it('admits most far-from-the-limit hits without a round trip', async () => {
    // A replica whose Redis commands are counted.
    const client = new Redis(REDIS_URL as string);
    let roundTrips = 0;
    const counting = {
      defineCommand(name: string, definition: { numberOfKeys: number; lua: string }) {
        client.defineCommand(name, definition);
        const command = (client as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[
          name
        ].bind(client);
        (this as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
          roundTrips++;
          return command(...args);
        };
      },
    } as unknown as Redis;
    const replica = new RedisThrottlerStorage(counting);
    try {
      const key = `${prefix}leases`;
      const records = [];
      for (let i = 0; i < 100; i++) records.push(await replica.increment(key, 60_000, 1_000, 0, 'default'));
      expect(records.map((r) => r.totalHits)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
      expect(roundTrips).toBeLessThanOrEqual(8); // 1 + ceil(99 / 16)
      // Counted before use: Redis holds every admitted hit plus this replica's unused permits.
      const counted = Number(await clients[0].get(key));
      expect(counted).toBeGreaterThanOrEqual(100);
      expect(counted).toBeLessThan(100 + 16);
    } finally {
      await client.quit();
    }
  });
});
