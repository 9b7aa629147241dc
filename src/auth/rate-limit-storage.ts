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

/** Counts one hit in the key's fixed window: resolves to [hits in the window, ms until it ends]. */
export type FixedWindowCommand = (key: string, windowMs: number) => Promise<[number, number]>;

/** The fixed-window Lua script as a command of this Redis client (defined once per client). */
export function fixedWindowCommand(redis: Redis): FixedWindowCommand {
  const commandName = 'modelmuxerFixedWindow';
  if (!(commandName in redis))
    redis.defineCommand(commandName, { numberOfKeys: 1, lua: FIXED_WINDOW_SCRIPT });
  const command = (redis as unknown as Record<string, FixedWindowCommand>)[commandName];
  return command.bind(redis);
}

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

/** What this process last learned about a key's shared window (from Redis replies). */
interface SharedWindow {
  /** Hits in Redis (every replica) as of the latest reply. */
  hits: number;
  /** When the window ends (epoch ms), from that reply's PTTL. */
  resetAt: number;
  /** Hits sent to Redis whose reply has not arrived yet. */
  inFlight: number;
}

export interface RedisThrottlerOptions {
  /**
   * Hits are counted in the background (the request does not wait for Redis) while the key is
   * known to be below this share of its limit; at and above it, every hit waits for Redis's
   * count, so refusals stay exact. 0 turns background counting off.
   */
  backgroundShare: number;
  /** Limits below this are always counted synchronously (small limits leave no headroom). */
  backgroundMinLimit: number;
}

/** Most hits of one key a replica has sent to Redis without a reply yet. */
const MAX_BACKGROUND_IN_FLIGHT = 32;

export const DEFAULT_REDIS_THROTTLER_OPTIONS: RedisThrottlerOptions = {
  backgroundShare: 0.8,
  backgroundMinLimit: 50,
};

/**
 * ThrottlerStorage over Redis (keys are generated with REDIS_KEY_PREFIX by the guard). When
 * Redis fails, requests are counted in this process's memory instead (limits then hold per
 * replica) rather than refused or let through unlimited: an outage of the limiter must not
 * take the API down, nor remove every limit.
 *
 * Most keys are far below their limit most of the time, and waiting for Redis on each of their
 * requests only adds a round trip. So the shared count of each key is remembered from the
 * replies: while the key is known to be below `backgroundShare` of its limit, the hit is sent
 * to Redis without waiting (still counted, in order, by every replica) and the request goes on
 * with the estimate. Once a key nears its limit, every hit waits for Redis again. A replica has
 * at most a quarter of the remaining 20 % (and at most 32 hits) of a key unconfirmed, so it
 * keeps hearing what the others counted; the x-ratelimit-remaining header is an estimate while
 * hits are counted in the background.
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly logger = new Logger('RateLimit');
  private readonly fixedWindow: FixedWindowCommand;
  private readonly windows = new Map<string, SharedWindow>();
  private lastErrorLog = 0;
  private lastSweep = Date.now();

  constructor(
    redis: Redis,
    private readonly fallback: ThrottlerStorage = new MemoryThrottlerStorage(),
    private readonly options: RedisThrottlerOptions = DEFAULT_REDIS_THROTTLER_OPTIONS,
  ) {
    this.fixedWindow = fixedWindowCommand(redis);
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const now = Date.now();
    if (now - this.lastSweep >= ttl) this.sweep(now);
    const known = this.windows.get(key);
    if (known && known.resetAt > now && this.canCountInBackground(known, limit)) {
      known.inFlight++;
      const estimate = known.hits + known.inFlight;
      this.fixedWindow(key, ttl).then(
        ([hits, remainingMs]) => {
          known.inFlight--;
          this.learn(key, hits, remainingMs);
        },
        (error: unknown) => {
          known.inFlight--;
          this.windows.delete(key); // unknown again: the next hit waits (and falls back if need be)
          this.redisFailed(error);
          void this.fallback.increment(key, ttl, limit, blockDuration, throttlerName);
        },
      );
      return fixedWindowRecord(estimate, known.resetAt - now, limit);
    }
    try {
      const [hits, remainingMs] = await this.fixedWindow(key, ttl);
      this.learn(key, hits, remainingMs);
      return fixedWindowRecord(hits, remainingMs, limit);
    } catch (error) {
      this.redisFailed(error);
      return this.fallback.increment(key, ttl, limit, blockDuration, throttlerName);
    }
  }

  /** Keys whose shared window is remembered (for tests). */
  get size(): number {
    return this.windows.size;
  }

  private canCountInBackground(window: SharedWindow, limit: number): boolean {
    const { backgroundShare, backgroundMinLimit } = this.options;
    if (backgroundShare <= 0 || limit < backgroundMinLimit) return false;
    // Unconfirmed hits are capped: what other replicas counted meanwhile is only seen in
    // replies, so a replica must hear back often. With at most a quarter of the headroom in
    // flight per replica, several replicas cannot jointly cross the limit unseen.
    const headroom = Math.round(limit * (1 - backgroundShare));
    const maxInFlight = Math.max(1, Math.min(MAX_BACKGROUND_IN_FLIGHT, Math.floor(headroom / 4)));
    return (
      window.inFlight < maxInFlight &&
      window.hits + window.inFlight + 1 <= Math.floor(limit * backgroundShare)
    );
  }

  /** Folds a reply from Redis into what this process knows (replies may arrive out of order). */
  private learn(key: string, hits: number, remainingMs: number): void {
    const now = Date.now();
    const window = this.windows.get(key);
    if (!window) {
      this.windows.set(key, { hits, resetAt: now + remainingMs, inFlight: 0 });
    } else if (window.resetAt <= now) {
      // A new window (updated in place: background hits still in flight hold this object).
      window.hits = hits;
      window.resetAt = now + remainingMs;
    } else {
      window.hits = Math.max(window.hits, hits);
    }
  }

  private redisFailed(error: unknown): void {
    const now = Date.now();
    if (now - this.lastErrorLog > ERROR_LOG_INTERVAL_MS) {
      this.lastErrorLog = now;
      this.logger.warn(
        `Redis rate limiting failed, counting in memory meanwhile: ${(error as Error).message}`,
      );
    }
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
  }
}

/** The throttler's record for a fixed window: over the limit until the window ends. */
export function fixedWindowRecord(hits: number, remainingMs: number, limit: number): ThrottlerStorageRecord {
  const seconds = Math.max(1, Math.ceil(remainingMs / 1000));
  const isBlocked = hits > limit;
  return { totalHits: hits, timeToExpire: seconds, isBlocked, timeToBlockExpire: isBlocked ? seconds : 0 };
}
