import type Redis from 'ioredis';
import { ErrorCode, GatewayError } from '../common/errors';
import {
  AuthFailureThrottle,
  MAX_TRACKED_ADDRESSES,
  MemoryFailureCounter,
  RedisFailureCounter,
} from './auth-failure-throttle';

function refusal(run: () => void): GatewayError | null {
  try {
    run();
    return null;
  } catch (error) {
    return error as GatewayError;
  }
}

describe('AuthFailureThrottle', () => {
  it('lets `limit` failures through, then refuses the address (429, retry-after) until the window ends', async () => {
    const throttle = new AuthFailureThrottle({ limit: 3, windowMs: 60_000 }, new MemoryFailureCounter());
    for (let i = 0; i < 3; i++) {
      expect(refusal(() => throttle.assertAllowed('198.51.100.1'))).toBeNull();
      await throttle.recordFailure('198.51.100.1');
    }
    const refused = refusal(() => throttle.assertAllowed('198.51.100.1'));
    expect(refused).toBeInstanceOf(GatewayError);
    expect([refused?.code, refused?.status, refused?.retryAfter]).toEqual([ErrorCode.RateLimited, 429, 60]);
    expect(refused?.message).toBe(
      'Too many failed authentication attempts from your address. Retry after 60 s.',
    );
    // Another address is not affected.
    expect(refusal(() => throttle.assertAllowed('198.51.100.2'))).toBeNull();
    // After the window, the address may try again.
    expect(refusal(() => throttle.assertAllowed('198.51.100.1', Date.now() + 60_001))).toBeNull();
  });

  it('does nothing with limit 0', async () => {
    const throttle = new AuthFailureThrottle({ limit: 0, windowMs: 60_000 }, new MemoryFailureCounter());
    for (let i = 0; i < 100; i++) await throttle.recordFailure('198.51.100.1');
    expect(refusal(() => throttle.assertAllowed('198.51.100.1'))).toBeNull();
    expect(throttle.blockedCount).toBe(0);
  });

  it('keeps its memory bounded under failures from many addresses', async () => {
    const counter = new MemoryFailureCounter();
    const throttle = new AuthFailureThrottle({ limit: 1, windowMs: 60_000 }, counter);
    const addresses = MAX_TRACKED_ADDRESSES + 5_000;
    for (let i = 0; i < addresses; i++) await throttle.recordFailure(`a${i}`);
    expect(counter.size).toBeLessThanOrEqual(MAX_TRACKED_ADDRESSES);
    expect(throttle.blockedCount).toBeLessThanOrEqual(MAX_TRACKED_ADDRESSES);
    // The newest addresses are the ones remembered.
    expect(refusal(() => throttle.assertAllowed(`a${addresses - 1}`))).not.toBeNull();
  });
});

describe('RedisFailureCounter', () => {
  function redisWith(command: (key: string, windowMs: number) => Promise<[number, number]>): Redis {
    return {
      defineCommand(name: string) {
        (this as unknown as Record<string, unknown>)[name] = command;
      },
    } as unknown as Redis;
  }

  it('counts in Redis under the prefix, and in memory while Redis fails', async () => {
    const calls: string[] = [];
    const counter = new RedisFailureCounter(
      redisWith(async (key) => {
        calls.push(key);
        return [7, 12_000];
      }),
      'mm:authfail:',
    );
    expect(await counter.count('203.0.113.9', 60_000)).toEqual({ failures: 7, remainingMs: 12_000 });
    expect(calls).toEqual(['mm:authfail:203.0.113.9']);

    const failing = new RedisFailureCounter(
      redisWith(async () => {
        throw new Error('connection refused');
      }),
      'mm:authfail:',
    );
    expect((await failing.count('203.0.113.9', 60_000)).failures).toBe(1);
    expect((await failing.count('203.0.113.9', 60_000)).failures).toBe(2);
  });
});
