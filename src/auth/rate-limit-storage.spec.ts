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
  function fakeRedis(
    command: (key: string, windowMs: number, n: number) => Promise<[number, number]>,
  ): Redis {
    return {
      defineCommand(name: string) {
        (this as unknown as Record<string, unknown>)[name] = command;
      },
    } as unknown as Redis;
  }

  it('counts through the Lua script, one key per tracker', async () => {
    const calls: Array<[string, number, number]> = [];
    const storage = new RedisThrottlerStorage(
      fakeRedis(async (key, windowMs, n) => {
        calls.push([key, windowMs, n]);
        return [calls.length, 30_000];
      }),
    );
    await storage.increment('mm:rl:k1', 60_000, 1, 0, 'default');
    const second = await storage.increment('mm:rl:k1', 60_000, 1, 0, 'default');
    expect(calls).toEqual([
      ['mm:rl:k1', 60_000, 1],
      ['mm:rl:k1', 60_000, 1],
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

describe('RedisThrottlerStorage: leases of permits counted in Redis before use', () => {
  /** A Redis whose fixed-window replies are released by the test, like a slow round trip. */
  function controlledRedis() {
    let hits = 0;
    const pending: Array<{ key: string; release: () => void; fail: (error: Error) => void }> = [];
    const sizes: number[] = [];
    const redis = {
      defineCommand(name: string) {
        (this as unknown as Record<string, unknown>)[name] = (key: string, windowMs: number, n: number) =>
          new Promise<[number, number]>((resolve, reject) => {
            hits += n; // Redis counts at once, in arrival order; only the reply is delayed
            sizes.push(n);
            const count = hits;
            const remainingMs = Math.min(40_000, windowMs);
            pending.push({ key, release: () => resolve([count, remainingMs]), fail: reject });
          });
      },
    } as unknown as Redis;
    return {
      redis,
      pending,
      sizes,
      hits: () => hits,
      /** Another replica counts `n` hits of the same key meanwhile. */
      elsewhere: (n: number) => (hits += n),
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

  async function hit(
    fake: ReturnType<typeof controlledRedis>,
    storage: RedisThrottlerStorage,
    limit: number,
  ) {
    const result = storage.increment('mm:rl:k', 60_000, limit, 0, 'default');
    await fake.releaseAll();
    return result;
  }

  it('counts one hit until the shared count is known, then leases 1/16 of the headroom (at most 16)', async () => {
    const fake = controlledRedis();
    const storage = new RedisThrottlerStorage(fake.redis);
    const first = storage.increment('mm:rl:k', 60_000, 1_000, 0, 'default');
    expect(await settled(first)).toBe('pending'); // nothing known yet: the first hit waits
    await fake.releaseAll();
    expect(await first).toMatchObject({ totalHits: 1, isBlocked: false, timeToExpire: 40 });
    expect(fake.sizes).toEqual([1]);

    // Known to be far below the limit: one round trip counts 16 hits, the next 15 need none.
    expect(await hit(fake, storage, 1_000)).toMatchObject({ totalHits: 2, isBlocked: false });
    expect(fake.sizes).toEqual([1, 16]);
    for (let i = 0; i < 15; i++) {
      const result = await settled(storage.increment('mm:rl:k', 60_000, 1_000, 0, 'default'));
      expect(result).toMatchObject({ totalHits: 3 + i, isBlocked: false });
    }
    expect(fake.pending).toHaveLength(0);
    expect(fake.hits()).toBe(17);
  });

  it('shrinks leases to one hit near the limit, and admits exactly the limit', async () => {
    const fake = controlledRedis();
    const storage = new RedisThrottlerStorage(fake.redis);
    const results = [];
    for (let i = 0; i < 100; i++) results.push(await hit(fake, storage, 100));
    expect(results.map((r) => r.totalHits)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(results.every((r) => !r.isBlocked)).toBe(true);
    expect(fake.sizes.slice(-10)).toEqual(Array(10).fill(1));
    expect(fake.hits()).toBe(100); // no permit left over: nothing was wasted

    const over = storage.increment('mm:rl:k', 60_000, 100, 0, 'default');
    expect(await settled(over)).toBe('pending'); // no permit left: this hit waits for Redis
    await fake.releaseAll();
    expect(await over).toMatchObject({ totalHits: 101, isBlocked: true });
  });

  it('never admits past the limit on a stale view: permits are counted in Redis before use', async () => {
    const fake = controlledRedis();
    const storage = new RedisThrottlerStorage(fake.redis);
    await hit(fake, storage, 60); // this replica learns the count at 1
    fake.elsewhere(59); // another replica takes the key to its limit
    const next = await hit(fake, storage, 60);
    expect(next.isBlocked).toBe(true);
    expect(fake.sizes).toEqual([1, 3]); // it leased 3 on its stale view, and Redis granted none
  });

  it('uses only the permits of a lease that fit under the limit', async () => {
    const fake = controlledRedis();
    const storage = new RedisThrottlerStorage(fake.redis);
    await hit(fake, storage, 1_000);
    fake.elsewhere(990); // 991 counted: a lease of 16 fits 9 permits
    const admitted = [];
    for (let i = 0; i < 12; i++) admitted.push(!(await hit(fake, storage, 1_000)).isBlocked);
    expect(admitted.filter(Boolean)).toHaveLength(9);
    expect(admitted.slice(0, 9).every(Boolean)).toBe(true);
  });

  it('concurrent requests without a permit each take their own lease, none past the limit', async () => {
    const fake = controlledRedis();
    const storage = new RedisThrottlerStorage(fake.redis);
    await hit(fake, storage, 200);
    const burst = Array.from({ length: 300 }, () => storage.increment('mm:rl:k', 60_000, 200, 0, 'default'));
    await fake.releaseAll();
    while (fake.pending.length > 0) await fake.releaseAll();
    const records = await Promise.all(burst);
    expect(records.filter((r) => !r.isBlocked)).toHaveLength(199);
  });

  it('always counts one hit at a time on small limits', async () => {
    const fake = controlledRedis();
    const storage = new RedisThrottlerStorage(fake.redis);
    for (let i = 0; i < 3; i++) {
      const result = storage.increment('mm:rl:small', 60_000, 10, 0, 'default');
      expect(await settled(result)).toBe('pending');
      await fake.releaseAll();
      await result;
    }
    expect(fake.sizes).toEqual([1, 1, 1]);
  });

  it('counts a hit in memory when its lease fails', async () => {
    const fake = controlledRedis();
    const fallback = new MemoryThrottlerStorage();
    const spy = jest.spyOn(fallback, 'increment');
    const storage = new RedisThrottlerStorage(fake.redis, fallback);
    await hit(fake, storage, 100);
    const failed = storage.increment('mm:rl:k', 60_000, 100, 0, 'default');
    fake.pending.splice(0).forEach((call) => call.fail(new Error('connection reset')));
    expect(await failed).toMatchObject({ isBlocked: false });
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it('voids the permits of a window that ended, and can be turned off', async () => {
    const fake = controlledRedis();
    const storage = new RedisThrottlerStorage(fake.redis, undefined, {
      leaseShare: 0,
      maxLease: 16,
      leaseMinLimit: 1,
    });
    const first = storage.increment('mm:rl:k', 20, 100, 0, 'default');
    await fake.releaseAll();
    await first;
    const second = storage.increment('mm:rl:k', 20, 100, 0, 'default');
    expect(await settled(second)).toBe('pending'); // off: every hit waits
    await fake.releaseAll();
    await second;
    expect(fake.sizes).toEqual([1, 1]);
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
