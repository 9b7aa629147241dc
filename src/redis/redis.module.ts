import { Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig } from '../config/app-config';

/** The shared ioredis client, or null when REDIS_URL is not set (state then stays in memory). */
export const REDIS_CLIENT = Symbol('REDIS_CLIENT');

export type RedisClient = Redis;

/** Clients that lost their connection and have not got it back (set by createRedisClient's events). */
const disconnected = new WeakSet<Redis>();

/**
 * True while a client made by createRedisClient has lost its connection (a connection error, not
 * yet `ready` again). Callers with a local fallback (rate limits, the response cache) use it at
 * once instead of waiting for the client's retries to fail each command (≈ 0.4–1 s per request
 * during an outage). Before the first error — including the first connect — it is false.
 */
export function redisDisconnected(client: Redis): boolean {
  return disconnected.has(client) && client.status !== 'ready';
}

export function createRedisClient(url: string, logger: Logger): Redis {
  const client = new Redis(url, {
    // Fail commands fast while disconnected instead of queueing them for ever.
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    connectTimeout: 5_000,
    lazyConnect: false,
  });
  let lastLogged = 0;
  // Without a handler ioredis reports every reconnect failure as an unhandled error.
  client.on('ready', () => disconnected.delete(client));
  client.on('error', (error: Error) => {
    disconnected.add(client);
    const now = Date.now();
    if (now - lastLogged > 10_000) {
      lastLogged = now;
      logger.warn(`redis error: ${error.message}`);
    }
  });
  return client;
}

@Injectable()
class RedisCloser implements OnApplicationShutdown {
  constructor(@Inject(REDIS_CLIENT) private readonly client: Redis | null) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.client && this.client.status !== 'end')
      await this.client.quit().catch(() => this.client?.disconnect());
  }
}

@Module({
  providers: [
    {
      provide: REDIS_CLIENT,
      inject: [AppConfig],
      useFactory: (config: AppConfig): Redis | null =>
        config.redisUrl ? createRedisClient(config.redisUrl, new Logger('Redis')) : null,
    },
    RedisCloser,
  ],
  exports: [REDIS_CLIENT],
})
export class RedisModule {}
