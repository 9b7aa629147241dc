import { EventEmitter } from 'node:events';
import type Redis from 'ioredis';
import type { KeyvStoreAdapter, StoredData } from 'keyv';
import { redisDisconnected } from '../redis/redis.module';

/** Keys deleted per command when clearing a namespace. */
const CLEAR_BATCH = 500;

/**
 * The response cache's Keyv store on the gateway's shared ioredis connection (RedisModule), so a
 * replica holds one Redis client, not two: `@keyv/redis` brings node-redis (≈ 420 more module
 * files at start-up and a second connection). Keyv serialises values and prefixes keys with its
 * namespace before they reach the store; entries expire by Redis TTL (`SET … PX`). A failing
 * command rejects (the caller counts it as a miss), as the client is shared and logs its errors;
 * while the client is known to be disconnected, reads and writes reject at once.
 */
export class RedisKeyvStore extends EventEmitter implements KeyvStoreAdapter {
  opts: Record<string, unknown> = {};
  namespace?: string;

  constructor(private readonly redis: Redis) {
    super();
  }

  async get<Value>(key: string): Promise<StoredData<Value> | undefined> {
    this.failFast();
    const value = await this.redis.get(key);
    return value === null ? undefined : (value as StoredData<Value>);
  }

  async getMany<Value>(keys: string[]): Promise<Array<StoredData<Value | undefined>>> {
    if (keys.length === 0) return [];
    const values = await this.redis.mget(...keys);
    return values.map((value) => (value === null ? undefined : (value as StoredData<Value>)));
  }

  async set(key: string, value: unknown, ttl?: number): Promise<boolean> {
    this.failFast();
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    if (ttl !== undefined && ttl > 0) await this.redis.set(key, text, 'PX', Math.ceil(ttl));
    else await this.redis.set(key, text);
    return true;
  }

  async has(key: string): Promise<boolean> {
    return (await this.redis.exists(key)) === 1;
  }

  async delete(key: string): Promise<boolean> {
    return (await this.redis.del(key)) > 0;
  }

  async deleteMany(keys: string[]): Promise<boolean> {
    if (keys.length === 0) return false;
    return (await this.redis.del(...keys)) > 0;
  }

  /** Rejects at once while the shared client is known to be disconnected (the caller counts a miss). */
  private failFast(): void {
    if (redisDisconnected(this.redis)) throw new Error('Redis is unavailable');
  }

  /** Deletes this namespace's keys only (the Redis database is shared with other state). */
  async clear(): Promise<void> {
    if (!this.namespace) throw new Error('RedisKeyvStore.clear needs a namespace (the database is shared)');
    const pattern = `${this.namespace.replace(/[*?[\]\\]/g, '\\$&')}:*`;
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', pattern, 'COUNT', CLEAR_BATCH);
      if (keys.length > 0) await this.redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  }
}
