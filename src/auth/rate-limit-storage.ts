import { Logger } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type Redis from 'ioredis';
import { redisDisconnected } from '../redis/redis.module';

/**
 * Fixed one-window counter, atomic in Redis: INCRBY the hits counted at once, then start the window's expiry on the first
 * hit. One round trip (EVALSHA), one key per key and window, expiring by itself. Every replica
 * shares the counter, so a limit of N per minute is N for the whole deployment, not N × replicas.
 */
const FIXED_WINDOW_SCRIPT = `
local hits = redis.call('INCRBY', KEYS[1], ARGV[2])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {hits, ttl}
`;

export type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** Counts `hits` hits in the key's fixed window: resolves to [hits in the window, ms until it ends]. */
export type FixedWindowCommand = (key: string, windowMs: number, hits: number) => Promise<[number, number]>;

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

/** Permits of a key's shared window that this process has taken from Redis but not used yet. */
interface Lease {
  /** Hits counted in Redis (by every replica, permits included) as of the latest reply. */
  hits: number;
  /** When the window ends (epoch ms), from that reply's PTTL. */
  resetAt: number;
  /** Permits counted in Redis for this process and not yet used by a request. */
  permits: number;
  /** Permits asked of Redis by requests still waiting for the reply. */
  leasing: number;
}

export interface RedisThrottlerOptions {
  /**
   * A lease takes at most this share of the key's remaining headroom (limit minus the shared
   * count) as permits; 0 turns leasing off (every hit waits for Redis).
   */
  leaseShare: number;
  /** Most permits one lease takes. */
  maxLease: number;
  /** Limits below this are always counted one hit at a time (small limits leave no headroom). */
  leaseMinLimit: number;
}

export const DEFAULT_REDIS_THROTTLER_OPTIONS: RedisThrottlerOptions = {
  leaseShare: 1 / 16,
  maxLease: 16,
  leaseMinLimit: 50,
};

/**
 * ThrottlerStorage over Redis (keys are generated with REDIS_KEY_PREFIX by the guard). When
 * Redis fails, requests are counted in this process's memory instead (limits then hold per
 * replica) rather than refused or let through unlimited: an outage of the limiter must not
 * take the API down, nor remove every limit.
 *
 * Waiting for Redis on every request adds a round trip to each; answering from a remembered
 * count instead lets a replica with a stale view admit past the limit. So hits are counted in
 * Redis *before* they are used, in leases: a request that finds no permit of its key left in
 * this process counts `n` hits at once (INCRBY), uses one and keeps the rest for the key's next
 * requests here. Every admitted request was counted in Redis within the limit beforehand, so no
 * replica can admit past the limit, however stale its view. The lease is a small share of the
 * remaining headroom (1/16, at most 16 permits), shrinking to one hit per round trip near the
 * limit; the price is that permits a replica holds when its traffic for the key stops go unused
 * (the key may be refused slightly before its limit, never after). The x-ratelimit-remaining
 * header counts leased-but-unused permits as remaining.
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly logger = new Logger('RateLimit');
  private readonly countHits: FixedWindowCommand;
  private readonly leases = new Map<string, Lease>();
  private lastErrorLog = 0;
  private lastSweep = Date.now();

  constructor(
    private readonly redis: Redis,
    private readonly fallback: ThrottlerStorage = new MemoryThrottlerStorage(),
    private readonly options: RedisThrottlerOptions = DEFAULT_REDIS_THROTTLER_OPTIONS,
  ) {
    this.countHits = fixedWindowCommand(redis);
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    // Redis known to be down: count here at once rather than wait for the client's retries.
    if (redisDisconnected(this.redis))
      return this.fallback.increment(key, ttl, limit, blockDuration, throttlerName);
    const now = Date.now();
    if (now - this.lastSweep >= ttl) this.sweep(now);
    const lease = this.leases.get(key);
    if (lease && lease.resetAt > now && lease.permits > 0) return this.usePermit(lease, now, limit);
    const size = this.leaseSize(lease, limit, now);
    if (lease) lease.leasing += size;
    let hits: number;
    let remainingMs: number;
    try {
      [hits, remainingMs] = await this.countHits(key, ttl, size);
    } catch (error) {
      this.redisFailed(error);
      return this.fallback.increment(key, ttl, limit, blockDuration, throttlerName);
    } finally {
      if (lease) lease.leasing -= size;
    }
    // The permits of this lease that fit under the limit: the first is this request's.
    const granted = Math.max(0, Math.min(size, limit - (hits - size)));
    const kept = this.keep(key, hits, remainingMs, Math.max(0, granted - 1), hits <= size, limit);
    if (granted > 0) return fixedWindowRecord(Math.min(hits, limit) - kept.permits, remainingMs, limit);
    // Refused by Redis; a lease of a concurrent request may have brought permits meanwhile.
    if (kept.permits > 0) return this.usePermit(kept, Date.now(), limit);
    return fixedWindowRecord(hits, remainingMs, limit);
  }

  /** Admits a request on a permit already counted in Redis (within the limit). */
  private usePermit(lease: Lease, now: number, limit: number): ThrottlerStorageRecord {
    lease.permits--;
    return fixedWindowRecord(lease.hits - lease.permits, lease.resetAt - now, limit);
  }

  /** Keys with a remembered window (for tests). */
  get size(): number {
    return this.leases.size;
  }

  /** Hits to count at once: one until the shared count is known, then a share of the headroom. */
  private leaseSize(lease: Lease | undefined, limit: number, now: number): number {
    const { leaseShare, maxLease, leaseMinLimit } = this.options;
    if (!lease || lease.resetAt <= now || leaseShare <= 0 || limit < leaseMinLimit) return 1;
    const headroom = limit - lease.hits - lease.leasing;
    return Math.max(1, Math.min(maxLease, Math.floor(headroom * leaseShare)));
  }

  /**
   * Folds a reply from Redis into what this process holds (replies may arrive out of order).
   * The remembered count is capped at the limit: hits past it were refused, not used.
   */
  private keep(
    key: string,
    hits: number,
    remainingMs: number,
    permits: number,
    newWindow: boolean,
    limit: number,
  ): Lease {
    const now = Date.now();
    const counted = Math.min(hits, limit);
    let lease = this.leases.get(key);
    if (!lease || lease.resetAt <= now || newWindow) {
      // Permits of a window that ended are void: the key's count started again.
      lease = { hits: counted, resetAt: now + remainingMs, permits, leasing: 0 };
      this.leases.set(key, lease);
    } else {
      lease.hits = Math.max(lease.hits, counted);
      lease.permits += permits;
    }
    return lease;
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
    for (const [key, lease] of this.leases) if (lease.resetAt <= now) this.leases.delete(key);
  }
}

/** The throttler's record for a fixed window: over the limit until the window ends. */
export function fixedWindowRecord(hits: number, remainingMs: number, limit: number): ThrottlerStorageRecord {
  const seconds = Math.max(1, Math.ceil(remainingMs / 1000));
  const isBlocked = hits > limit;
  return { totalHits: hits, timeToExpire: seconds, isBlocked, timeToBlockExpire: isBlocked ? seconds : 0 };
}
