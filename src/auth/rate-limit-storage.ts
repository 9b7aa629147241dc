import { Logger } from '@nestjs/common';
import { ThrottlerStorageService, type ThrottlerStorage } from '@nestjs/throttler';
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
    private readonly fallback: ThrottlerStorage = new ThrottlerStorageService(),
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
