import { CACHE_MANAGER } from '@nestjs/cache-manager';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Cache } from 'cache-manager';
import { AppConfig } from '../config/app-config';
import type { CachedCompletion, ResponseCache } from './caching.types';

/** A cache lookup must never hold a request up: past this, it counts as a miss. */
const LOOKUP_TIMEOUT_MS = 50;

/**
 * The response cache over cache-manager: a bounded in-memory LRU by default, Redis (shared by
 * every replica) when REDIS_URL is set. Failures are misses, never errors.
 */
@Injectable()
export class ResponseCacheService implements ResponseCache {
  private readonly logger = new Logger('ResponseCache');
  private readonly ttlMs: number;

  constructor(
    @Inject(CACHE_MANAGER) private readonly cache: Cache,
    config: AppConfig,
  ) {
    this.ttlMs = config.cache.ttlSeconds * 1000;
  }

  async get(key: string): Promise<CachedCompletion | null> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), LOOKUP_TIMEOUT_MS);
      });
      const entry = await Promise.race([this.cache.get<CachedCompletion>(key), timeout]);
      return entry ?? null;
    } catch (error) {
      this.logger.warn(`cache lookup failed: ${(error as Error).message}`);
      return null;
    } finally {
      clearTimeout(timer);
    }
  }

  set(key: string, entry: CachedCompletion): void {
    if (this.ttlMs <= 0) return;
    this.cache.set(key, entry, this.ttlMs).catch((error: Error) => {
      this.logger.warn(`cache store failed: ${error.message}`);
    });
  }
}
