import type Redis from 'ioredis';
import { fixedWindowRecord, MemoryThrottlerStorage, RedisThrottlerStorage } from './rate-limit-storage';

describe('fixed-window records', () => {
  it('is under the limit until the hit after the limit, then blocked until the window ends', () => {
    expect(fixedWindowRecord(3, 59_001, 3)).toEqual({
      totalHits: 3,
      timeToExpire: 60,
      isBlocked: false,
      timeToBlockExpire: 0,
    });
    expect(fixedWindowRecord(4, 12_300, 3)).toEqual({
      totalHits: 4,
      timeToExpire: 13,
      isBlocked: true,
      timeToBlockExpire: 13,
    });
    expect(fixedWindowRecord(4, 0, 3).timeToBlockExpire).toBe(1); // never "retry after 0 s"
  });
});

describe('RedisThrottlerStorage', () => {
  function fakeRedis(command: (key: string, windowMs: number) => Promise<[number, number]>): Redis {
    return {
      defineCommand(name: string) {
        (this as unknown as Record<string, unknown>)[name] = command;
      },
    } as unknown as Redis;
  }

  it('counts through the Lua script, one key per tracker', async () => {
    const calls: Array<[string, number]> = [];
    const storage = new RedisThrottlerStorage(
      fakeRedis(async (key, windowMs) => {
        calls.push([key, windowMs]);
        return [calls.length, 30_000];
      }),
    );
    await storage.increment('mm:rl:k1', 60_000, 1, 0, 'default');
    const second = await storage.increment('mm:rl:k1', 60_000, 1, 0, 'default');
    expect(calls).toEqual([
      ['mm:rl:k1', 60_000],
      ['mm:rl:k1', 60_000],
    ]);
    expect(second).toMatchObject({ totalHits: 2, isBlocked: true, timeToBlockExpire: 30 });
  });

  it('falls back to counting in memory while Redis fails (limits still hold per replica)', async () => {
    const storage = new RedisThrottlerStorage(
      fakeRedis(async () => {
        throw new Error('connection refused');
      }),
    );
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await storage.increment('mm:rl:k2', 60_000, 2, 0, 'default'));
    expect(results.map((r) => r.isBlocked)).toEqual([false, false, true]);
  });
});

describe('RedisThrottlerStorage: background counting far from the limit', () => {
  /** A Redis whose fixed-window replies are released by the test, like a slow round trip. */
  function controlledRedis() {
    let hits = 0;
    const pending: Array<{ key: string; release: () => void; fail: (error: Error) => void }> = [];
    const redis = {
      defineCommand(name: string) {
        (this as unknown as Record<string, unknown>)[name] = (key: string, windowMs: number) =>
          new Promise<[number, number]>((resolve, reject) => {
            hits += 1; // Redis counts at once, in arrival order; only the reply is delayed
            const count = hits;
            const remainingMs = Math.min(40_000, windowMs);
            pending.push({ key, release: () => resolve([count, remainingMs]), fail: reject });
          });
      },
    } as unknown as Redis;
    return {
      redis,
      pending,
      hits: () => hits,
      releaseAll: async () => {
        for (const call of pending.splice(0)) call.release();
        await new Promise((resolve) => setImmediate(resolve));
      },
    };
  }

  async function settled<T>(promise: Promise<T>): Promise<'pending' | T> {
    return Promise.race([
      promise,
      new Promise<'pending'>((resolve) => setImmediate(() => resolve('pending'))),
    ]);
  }

  it('waits for Redis on the first hit of a key, then counts in the background below 80 % of the limit', async () => {
    const fake = controlledRedis();
    const storage = new RedisThrottlerStorage(fake.redis);
    const first = storage.increment('mm:rl:k', 60_000, 100, 0, 'default');
    expect(await settled(first)).toBe('pending'); // nothing known yet: the first hit waits
    await fake.releaseAll();
    expect(await first).toMatchObject({ totalHits: 1, isBlocked: false, timeToExpire: 40 });

    // Known to be far below the limit: answered at once with the estimate, still sent to Redis.
    const second = await settled(storage.increment('mm:rl:k', 60_000, 100, 0, 'default'));
    expect(second).toMatchObject({ totalHits: 2, isBlocked: false });
    expect(fake.hits()).toBe(2);
    expect(fake.pending).toHaveLength(1);
    await fake.releaseAll();
  });

  it('waits for Redis again once the key nears its limit, so refusals stay exact', async () => {
    const fake = controlledRedis();
    const storage = new RedisThrottlerStorage(fake.redis);
    const results = [];
    for (let i = 0; i < 100; i++) {
      const result = storage.increment('mm:rl:k', 60_000, 100, 0, 'default');
      await fake.releaseAll(); // replies arrive before the next request
      results.push(await result);
    }
    expect(results.map((r) => r.totalHits)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(results.every((r) => !r.isBlocked)).toBe(true);

    // 101st: the key is at its limit, so this hit waits for Redis and is refused.
    const over = storage.increment('mm:rl:k', 60_000, 100, 0, 'default');
    expect(await settled(over)).toBe('pending');
    await fake.releaseAll();
    expect(await over).toMatchObject({ totalHits: 101, isBlocked: true });
  });

  it('caps the hits awaiting a reply, so a burst keeps hearing what other replicas counted', async () => {
    const fake = controlledRedis();
    const storage = new RedisThrottlerStorage(fake.redis);
    const first = storage.increment('mm:rl:k', 60_000, 1_000, 0, 'default');
    await fake.releaseAll();
    await first;
    // No reply comes back during the burst: 32 hits go on at once, the others wait for Redis.
    const burst = Array.from({ length: 40 }, () => storage.increment('mm:rl:k', 60_000, 1_000, 0, 'default'));
    const states = await Promise.all(burst.map((p) => settled(p)));
    expect(states.filter((s) => s !== 'pending')).toHaveLength(32);
    await fake.releaseAll();
    await Promise.all(burst);
    expect(fake.hits()).toBe(41); // every hit was counted in Redis

    // With a limit of 100 the headroom (20) allows 5 unconfirmed hits.
    const small = controlledRedis();
    const limited = new RedisThrottlerStorage(small.redis);
    const one = limited.increment('mm:rl:k', 60_000, 100, 0, 'default');
    await small.releaseAll();
    await one;
    const hits = Array.from({ length: 10 }, () => limited.increment('mm:rl:k', 60_000, 100, 0, 'default'));
    expect((await Promise.all(hits.map((p) => settled(p)))).filter((s) => s !== 'pending')).toHaveLength(5);
    await small.releaseAll();
    await Promise.all(hits);
  });

  it('always waits for Redis on small limits', async () => {
    const fake = controlledRedis();
    const storage = new RedisThrottlerStorage(fake.redis);
    for (let i = 0; i < 3; i++) {
      const result = storage.increment('mm:rl:small', 60_000, 10, 0, 'default');
      expect(await settled(result)).toBe('pending');
      await fake.releaseAll();
      await result;
    }
  });

  it('counts a failed background hit in memory and waits for Redis on the next one', async () => {
    const fake = controlledRedis();
    const fallback = new MemoryThrottlerStorage();
    const spy = jest.spyOn(fallback, 'increment');
    const storage = new RedisThrottlerStorage(fake.redis, fallback);
    const first = storage.increment('mm:rl:k', 60_000, 100, 0, 'default');
    await fake.releaseAll();
    await first;
    await storage.increment('mm:rl:k', 60_000, 100, 0, 'default');
    fake.pending.splice(0).forEach((call) => call.fail(new Error('connection reset')));
    await new Promise((resolve) => setImmediate(resolve));
    expect(spy).toHaveBeenCalledTimes(1);
    expect(storage.size).toBe(0);
    const next = storage.increment('mm:rl:k', 60_000, 100, 0, 'default');
    expect(await settled(next)).toBe('pending');
    await fake.releaseAll();
    await next;
  });

  it('forgets windows that ended, and can be turned off', async () => {
    const fake = controlledRedis();
    const storage = new RedisThrottlerStorage(fake.redis, undefined, {
      backgroundShare: 0,
      backgroundMinLimit: 1,
    });
    const first = storage.increment('mm:rl:k', 20, 100, 0, 'default');
    await fake.releaseAll();
    await first;
    const second = storage.increment('mm:rl:k', 20, 100, 0, 'default');
    expect(await settled(second)).toBe('pending'); // off: every hit waits
    await fake.releaseAll();
    await second;
    expect(storage.size).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 25));
    const later = storage.increment('mm:rl:other', 20, 100, 0, 'default'); // sweeps ended windows
    await fake.releaseAll();
    await later;
    expect(storage.size).toBe(1);
  });
});

describe('MemoryThrottlerStorage', () => {
  it('counts a fixed window per key and starts a new one when it ends', async () => {
    const storage = new MemoryThrottlerStorage();
    const a = [];
    for (let i = 0; i < 3; i++) a.push(await storage.increment('a', 50, 2));
    expect(a.map((r) => r.isBlocked)).toEqual([false, false, true]);
    expect((await storage.increment('b', 50, 2)).isBlocked).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(await storage.increment('a', 50, 2)).toMatchObject({ totalHits: 1, isBlocked: false });
    // Windows that ended were swept: only the one just started remains.
    expect(storage.size).toBe(1);
  });
});
