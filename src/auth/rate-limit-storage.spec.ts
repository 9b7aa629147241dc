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
