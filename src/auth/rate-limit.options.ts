import type { ThrottlerModuleOptions } from '@nestjs/throttler';
import type Redis from 'ioredis';
import type { AppConfig } from '../config/app-config';
import { principalOf, RATE_LIMIT_WINDOW_MS } from './client-rate-limit.guard';
import { MemoryThrottlerStorage, RedisThrottlerStorage } from './rate-limit-storage';

/**
 * ThrottlerModule options for client keys: one throttler, the principal's requests per minute,
 * no extra block after the window (blockDuration 0: refused until the window frees up). Storage:
 * a fixed window in Redis when REDIS_URL is set (shared by every replica), else the same fixed
 * window in memory.
 */
export function clientThrottlerOptions(
  config: AppConfig,
  redis: Redis | null | undefined,
): ThrottlerModuleOptions {
  const prefix = `${config.redisKeyPrefix}rl:`;
  return {
    throttlers: [
      {
        name: 'default',
        ttl: RATE_LIMIT_WINDOW_MS,
        limit: (context) => principalOf(context)?.rateLimitPerMinute ?? 0,
        blockDuration: 0,
      },
    ],
    // Per key across all routes (not per route, as the throttler's default key is).
    generateKey: (_context, tracker) => prefix + tracker,
    storage: redis ? new RedisThrottlerStorage(redis) : new MemoryThrottlerStorage(),
  };
}
