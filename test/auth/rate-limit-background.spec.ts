import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { RedisThrottlerStorage } from '../../src/auth/rate-limit-storage';

/**
 * Background counting (RedisThrottlerStorage answers far-from-the-limit hits without waiting
 * for Redis) against a real Redis shared by two replicas: the limit must still hold exactly
 * when requests alternate between replicas, and under a parallel burst.
 */
const REDIS_URL = process.env.REDIS_URL;
const describeIfRedis = REDIS_URL ? describe : describe.skip;

describeIfRedis('rate limits counted in the background, two replicas on one Redis', () => {
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
    expect(Number(await clients[0].get(key))).toBe(150); // every hit reached Redis
  });

  it('allows exactly the limit under a parallel burst from both replicas', async () => {
    const key = `${prefix}burst`;
    const records = await Promise.all(
      Array.from({ length: 300 }, (_, i) => replicas[i % 2].increment(key, 60_000, 100, 0, 'default')),
    );
    expect(records.filter((r) => !r.isBlocked)).toHaveLength(100);
  });

  it('answers far-from-the-limit hits without waiting, and still counts them all', async () => {
    // A replica whose Redis commands are counted while unanswered.
    const client = new Redis(REDIS_URL as string);
    let unanswered = 0;
    const counting = {
      defineCommand(name: string, definition: { numberOfKeys: number; lua: string }) {
        client.defineCommand(name, definition);
        const command = (client as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[
          name
        ].bind(client);
        (this as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
          unanswered++;
          return command(...args).finally(() => unanswered--);
        };
      },
    } as unknown as Redis;
    const replica = new RedisThrottlerStorage(counting);
    try {
      const key = `${prefix}background`;
      await replica.increment(key, 60_000, 1_000, 0, 'default');
      const records = [];
      const stillUnanswered: number[] = [];
      for (let i = 0; i < 50; i++) {
        records.push(await replica.increment(key, 60_000, 1_000, 0, 'default'));
        stillUnanswered.push(unanswered);
      }
      expect(records.map((r) => r.totalHits)).toEqual(Array.from({ length: 50 }, (_, i) => i + 2));
      // Returned before Redis answered — except when 32 were unconfirmed and one had to wait.
      expect(stillUnanswered.filter((n) => n > 0).length).toBeGreaterThanOrEqual(45);
      expect(Math.max(...stillUnanswered)).toBeLessThanOrEqual(32);
      while (unanswered > 0) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(Number(await clients[0].get(key))).toBe(51);
    } finally {
      await client.quit();
    }
  });
});
