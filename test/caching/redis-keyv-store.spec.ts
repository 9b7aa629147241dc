import Redis from 'ioredis';
import Keyv from 'keyv';
import { Logger } from '@nestjs/common';
import { RedisKeyvStore } from '../../src/caching/redis-keyv-store';
import { RedisThrottlerStorage } from '../../src/auth/rate-limit-storage';
import { createRedisClient, redisDisconnected } from '../../src/redis/redis.module';
import { deleteRedisPrefix, describeIfRedis, SERVER_REDIS_URL, uniqueRedisPrefix } from '../support/redis';

/** The response cache's Keyv store on the shared ioredis client, against the real server. */
describeIfRedis('RedisKeyvStore (real Redis)', () => {
  let redis: Redis;
  let prefix: string;

  beforeAll(() => {
    redis = new Redis(SERVER_REDIS_URL!, { maxRetriesPerRequest: 1 });
    prefix = uniqueRedisPrefix();
  });
  afterAll(async () => {
    await deleteRedisPrefix(prefix);
    redis.disconnect();
  });

  const keyvOf = (namespace: string) => new Keyv({ store: new RedisKeyvStore(redis), namespace });

  it('stores, reads back, overwrites and deletes values through Keyv, under its namespace', async () => {
    const cache = keyvOf(`${prefix}cache`);
    const entry = { id: 'chatcmpl-1', choices: [{ message: { content: 'Paris' } }], cost: 0.00012 };
    expect(await cache.get('k1')).toBeUndefined();
    await cache.set('k1', entry);
    expect(await cache.get('k1')).toEqual(entry);
    // Stored as Keyv's serialised text under "<namespace>:<key>" (what another replica reads).
    expect(await redis.get(`${prefix}cache:k1`)).toContain('chatcmpl-1');
    await cache.set('k1', { ...entry, id: 'chatcmpl-2' });
    expect(await cache.get('k1')).toMatchObject({ id: 'chatcmpl-2' });
    expect(await cache.has('k1')).toBe(true);
    expect(await cache.delete('k1')).toBe(true);
    expect(await cache.get('k1')).toBeUndefined();
    expect(await cache.delete('k1')).toBe(false);
  });

  it('expires entries by Redis TTL', async () => {
    const cache = keyvOf(`${prefix}ttl`);
    await cache.set('short', 'soon gone', 150);
    await cache.set('long', 'stays', 60_000);
    const ttl = await redis.pttl(`${prefix}ttl:short`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(150);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await cache.get('short')).toBeUndefined();
    expect(await cache.get('long')).toBe('stays');
  });

  it('reads and deletes many keys at once', async () => {
    const cache = keyvOf(`${prefix}many`);
    await cache.set('a', 1);
    await cache.set('b', 2);
    expect(await cache.get(['a', 'missing', 'b'])).toEqual([1, undefined, 2]);
    expect(await cache.delete(['a', 'b'])).toBe(true);
    expect(await cache.get(['a', 'b'])).toEqual([undefined, undefined]);
  });

  it("clears its own namespace only, never another's keys or other state in the database", async () => {
    const mine = keyvOf(`${prefix}mine`);
    const theirs = keyvOf(`${prefix}theirs`);
    for (let i = 0; i < 1_200; i++) await mine.set(`k${i}`, i); // more than one SCAN batch
    await theirs.set('k1', 'kept');
    await redis.set(`${prefix}mine-but-not-the-namespace`, 'kept');
    await mine.clear();
    expect(await mine.get('k1')).toBeUndefined();
    expect(await redis.keys(`${prefix}mine:*`)).toEqual([]);
    expect(await theirs.get('k1')).toBe('kept');
    expect(await redis.get(`${prefix}mine-but-not-the-namespace`)).toBe('kept');
  });

  it('fails fast once the shared client has lost its connection: the cache rejects and rate limits count locally without a Redis command', async () => {
    const client = createRedisClient('redis://127.0.0.1:1', new Logger('test'));
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      await new Promise<void>((resolve) => client.once('error', () => resolve()));
      expect(redisDisconnected(client)).toBe(true);
      const sent = jest.spyOn(client, 'sendCommand');
      await expect(new RedisKeyvStore(client).get('k')).rejects.toThrow('Redis is unavailable');
      const storage = new RedisThrottlerStorage(client);
      const record = await storage.increment('key', 60_000, 10, 0, 'default');
      expect(record).toMatchObject({ totalHits: 1, isBlocked: false });
      expect(sent).not.toHaveBeenCalled();
    } finally {
      client.disconnect();
      jest.restoreAllMocks();
    }
  });

  it('is not "disconnected" before any error, nor once the connection is back', async () => {
    const client = createRedisClient(SERVER_REDIS_URL!, new Logger('test'));
    try {
      expect(redisDisconnected(client)).toBe(false); // connecting: commands wait, as before
      await new Promise<void>((resolve) => client.once('ready', () => resolve()));
      client.emit('error', new Error('a blip'));
      expect(redisDisconnected(client)).toBe(false); // still ready: the blip did not drop it
      expect(await client.ping()).toBe('PONG');
    } finally {
      client.disconnect();
    }
  });

  it('rejects when Redis cannot answer, so the caller counts a miss', async () => {
    const dead = new Redis('redis://127.0.0.1:1', {
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      lazyConnect: true,
    });
    dead.on('error', () => undefined);
    const store = new RedisKeyvStore(dead);
    await expect(store.get('anything')).rejects.toThrow();
    await expect(store.set('anything', 'x', 1_000)).rejects.toThrow();
    dead.disconnect();
  });
});
