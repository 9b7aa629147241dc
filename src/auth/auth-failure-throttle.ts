import { Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import type { Counter } from 'prom-client';
import { ErrorCode, GatewayError } from '../common/errors';
import { fixedWindowCommand, FixedWindowCommand } from './rate-limit-storage';

/** How failed authentications are limited (AUTH_FAILURE_LIMIT, AUTH_FAILURE_WINDOW_SECONDS). */
export interface AuthFailureSettings {
  /** Failures allowed per address per window; 0 turns the throttle off. */
  limit: number;
  windowMs: number;
}

/** One address's failures in its current window. */
export interface FailureCount {
  failures: number;
  /** Milliseconds until the window ends. */
  remainingMs: number;
}

/** Where failures are counted: this process's memory, or Redis shared by every replica. */
export interface FailureCounter {
  count(address: string, windowMs: number): Promise<FailureCount>;
}

/** Addresses tracked at most (counts and blocks each): an attacker with many addresses cannot grow memory without bound. */
export const MAX_TRACKED_ADDRESSES = 100_000;

/** Full sweeps of expired entries happen at most this often (a sweep is O(entries)). */
const SWEEP_INTERVAL_MS = 1_000;

/**
 * Per-address entries with an expiry, bounded: when full, expired entries are swept (at most
 * once a second), then the oldest entries (Map insertion order) are dropped.
 */
class AddressTable<V extends { until: number }> {
  private readonly entries = new Map<string, V>();
  private lastSweep = 0;

  get(address: string, now: number): V | undefined {
    const entry = this.entries.get(address);
    if (entry === undefined || entry.until > now) return entry;
    this.entries.delete(address);
    return undefined;
  }

  set(address: string, entry: V, now: number): void {
    this.entries.delete(address);
    if (this.entries.size >= MAX_TRACKED_ADDRESSES && now - this.lastSweep >= SWEEP_INTERVAL_MS) {
      this.lastSweep = now;
      for (const [key, value] of this.entries) if (value.until <= now) this.entries.delete(key);
    }
    while (this.entries.size >= MAX_TRACKED_ADDRESSES) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
    this.entries.set(address, entry);
  }

  delete(address: string): void {
    this.entries.delete(address);
  }

  get size(): number {
    return this.entries.size;
  }
}

/** Fixed windows in memory, bounded to MAX_TRACKED_ADDRESSES addresses. */
export class MemoryFailureCounter implements FailureCounter {
  private readonly windows = new AddressTable<{ failures: number; until: number }>();

  async count(address: string, windowMs: number): Promise<FailureCount> {
    const now = Date.now();
    let window = this.windows.get(address, now);
    if (!window) {
      window = { failures: 0, until: now + windowMs };
      this.windows.set(address, window, now);
    }
    window.failures++;
    return { failures: window.failures, remainingMs: window.until - now };
  }

  get size(): number {
    return this.windows.size;
  }
}

/** Log at most one line per interval while Redis is failing. */
const ERROR_LOG_INTERVAL_MS = 10_000;

/**
 * Fixed windows in Redis (the rate limiter's atomic Lua script), so every replica counts an
 * address's failures together. While Redis fails, this replica counts in memory instead.
 */
export class RedisFailureCounter implements FailureCounter {
  private readonly logger = new Logger('AuthThrottle');
  private readonly fixedWindow: FixedWindowCommand;
  private lastErrorLog = 0;

  constructor(
    redis: Redis,
    private readonly keyPrefix: string,
    private readonly fallback: FailureCounter = new MemoryFailureCounter(),
  ) {
    this.fixedWindow = fixedWindowCommand(redis);
  }

  async count(address: string, windowMs: number): Promise<FailureCount> {
    try {
      const [failures, remainingMs] = await this.fixedWindow(this.keyPrefix + address, windowMs, 1);
      return { failures, remainingMs };
    } catch (error) {
      const now = Date.now();
      if (now - this.lastErrorLog > ERROR_LOG_INTERVAL_MS) {
        this.lastErrorLog = now;
        this.logger.warn(
          `Redis failed, counting failed authentications in memory: ${(error as Error).message}`,
        );
      }
      return this.fallback.count(address, windowMs);
    }
  }
}

/**
 * Throttles failed authentication per client address (clientAddressKey): after `limit` wrong
 * keys in a window, the address gets 429 `rate_limit_exceeded` with retry-after until the
 * window ends, whatever key it sends — so a correct guess cannot be told from a wrong one, and a
 * flood of made-up keys costs no key lookup. Other addresses are unaffected.
 *
 * The refusal is decided from this replica's memory (no I/O on the request path); failures are
 * counted in Redis when REDIS_URL is set, so a replica learns of an address's failures on other
 * replicas with its own next failure from that address: a blocked address gets at most one more
 * attempt per replica and window. Successful authentications do not reset the count.
 */
export class AuthFailureThrottle {
  /** Address → end of its block (epoch ms). */
  private readonly blocked = new AddressTable<{ until: number }>();

  constructor(
    private readonly settings: AuthFailureSettings,
    private readonly counter: FailureCounter,
    private readonly metric?: Counter<string>,
  ) {}

  get enabled(): boolean {
    return this.settings.limit > 0;
  }

  /** Throws the 429 when `address` is blocked. Synchronous and I/O-free. */
  assertAllowed(address: string, now: number = Date.now()): void {
    if (!this.enabled) return;
    const block = this.blocked.get(address, now);
    if (block === undefined) return;
    this.metric?.inc({ outcome: 'throttled' });
    const retryAfter = Math.max(1, Math.ceil((block.until - now) / 1000));
    throw new GatewayError(
      ErrorCode.RateLimited,
      `Too many failed authentication attempts from your address. Retry after ${retryAfter} s.`,
      { retryAfter },
    );
  }

  /** Counts one failed authentication; at the limit the address is blocked until its window ends. */
  async recordFailure(address: string): Promise<void> {
    this.metric?.inc({ outcome: 'refused' });
    if (!this.enabled) return;
    const { failures, remainingMs } = await this.counter.count(address, this.settings.windowMs);
    if (failures < this.settings.limit) return;
    const now = Date.now();
    this.blocked.set(address, { until: now + Math.max(1, remainingMs) }, now);
  }

  /** Addresses currently remembered as blocked (for tests). */
  get blockedCount(): number {
    return this.blocked.size;
  }
}
