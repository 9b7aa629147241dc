import { createKeyv as createMemoryKeyv } from '@cacheable/memory';
import KeyvRedis from '@keyv/redis';
import { CacheModule, CacheModuleOptions } from '@nestjs/cache-manager';
import { Module } from '@nestjs/common';
import Keyv from 'keyv';
import { AppConfig } from '../config/app-config';
import { RESPONSE_CACHE } from './caching.types';
import { ResponseCacheService } from './response-cache.service';

/** Response caching (enhanced and production modes): imported by ChatModule.register when composed. */
@Module({
  imports: [
    CacheModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig): CacheModuleOptions => {
        const ttl = config.cache.ttlSeconds * 1000;
        if (config.redisUrl) {
          const store = new KeyvRedis(config.redisUrl);
          store.on('error', () => undefined); // logged by the service as a miss
          return { stores: [new Keyv({ store, namespace: `${config.redisKeyPrefix}cache` })], ttl };
        }
        return { stores: [createMemoryKeyv({ ttl, lruSize: config.cache.maxEntries })], ttl };
      },
    }),
  ],
  providers: [ResponseCacheService, { provide: RESPONSE_CACHE, useExisting: ResponseCacheService }],
  exports: [RESPONSE_CACHE],
})
export class CachingModule {}
