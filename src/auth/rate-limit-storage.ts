import { Logger } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type Redis from 'ioredis';

/**
 * Fixed one-window counter, atomic in Redis: INCR, then start the window's expiry on the first
 * hit. One round trip (EVALSHA), one key per key and window, expiring by itself. Every replica
 * shares the counter, so a limit of N per minute is N for the whole deployment, not N × replicas.
 */
const FIXED_WINDOW_SCRIPT = `
local hits = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {hits, ttl}
`;

export type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

type FixedWindowCommand = (key: string, windowMs: number) => Promise<[number, number]>;

/** Log at most one line per interval while Redis is failing. */
const ERROR_LOG_INTERVAL_MS = 10_000;

interface Window {
  hits: number;
  resetAt: number;
}

/**
 * The same fixed window in this process's memory (no REDIS_URL, or Redis failing). O(1) per
 * request whatever the limit (the throttler's own in-memory storage keeps one timestamp per hit
 * and filters them on every request: ~1.5 ms at 200k hits a minute). Expired windows are swept
 * once per window length, so memory is bounded by the keys active in the last minute.
 */
export class MemoryThrottlerStorage implements ThrottlerStorage {
  private readonly windows = new Map<string, Window>();
  private lastSweep = Date.now();

  async increment(key: string, ttl: number, limit: number): Promise<ThrottlerStorageRecord> {
    const now = Date.now();
    if (now - this.lastSweep >= ttl) this.sweep(now);
    let window = this.windows.get(key);
    if (!window || window.resetAt <= now) {
      window = { hits: 0, resetAt: now + ttl };
      this.windows.set(key, window);
    }
    window.hits++;
    return fixedWindowRecord(window.hits, window.resetAt - now, limit);
  }

  get size(): number {
    return this.windows.size;
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
  }
}

/**
 * ThrottlerStorage over Redis (keys are generated with REDIS_KEY_PREFIX by the guard). When
 * Redis fails, requests are counted in this process's memory instead (limits then hold per
 * replica) rather than refused or let through unlimited: an outage of the limiter must not
 * take the API down, nor remove every limit.
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly logger = new Logger('RateLimit');
  private readonly fixedWindow: FixedWindowCommand;
  private lastErrorLog = 0;

  constructor(
    redis: Redis,
    private readonly fallback: ThrottlerStorage = new MemoryThrottlerStorage(),
  ) {
    const commandName = 'modelmuxerFixedWindow';
    if (!(commandName in redis))
      redis.defineCommand(commandName, { numberOfKeys: 1, lua: FIXED_WINDOW_SCRIPT });
    const command = (redis as unknown as Record<string, FixedWindowCommand>)[commandName];
    this.fixedWindow = command.bind(redis);
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    try {
      const [hits, remainingMs] = await this.fixedWindow(key, ttl);
      return fixedWindowRecord(hits, remainingMs, limit);
    } catch (error) {
      const now = Date.now();
      if (now - this.lastErrorLog > ERROR_LOG_INTERVAL_MS) {
        this.lastErrorLog = now;
        this.logger.warn(
          `Redis rate limiting failed, counting in memory meanwhile: ${(error as Error).message}`,
        );
      }
      return this.fallback.increment(key, ttl, limit, blockDuration, throttlerName);
    }
  }
}

/** The throttler's record for a fixed window: over the limit until the window ends. */
export function fixedWindowRecord(hits: number, remainingMs: number, limit: number): ThrottlerStorageRecord {
  const seconds = Math.max(1, Math.ceil(remainingMs / 1000));
  const isBlocked = hits > limit;
  return { totalHits: hits, timeToExpire: seconds, isBlocked, timeToBlockExpire: isBlocked ? seconds : 0 };
}
