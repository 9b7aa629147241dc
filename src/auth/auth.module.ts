import { Global, Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import type Redis from 'ioredis';
import { AppConfig } from '../config/app-config';
import { REDIS_CLIENT } from '../redis/redis.module';
import { AdminGuard } from './admin.guard';
import { ApiKeyGuard } from './api-key.guard';
import { ClientRateLimitGuard } from './client-rate-limit.guard';
import { clientThrottlerOptions } from './rate-limit.options';

/**
 * Guards for client API keys (tenancy), per-key rate limits and the admin API. The throttler's
 * storage is Redis when RedisModule provides a client (REDIS_URL), else in-memory.
 */
@Global()
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [AppConfig, { token: REDIS_CLIENT, optional: true }],
      useFactory: (config: AppConfig, redis?: Redis | null) => clientThrottlerOptions(config, redis),
    }),
  ],
  providers: [ApiKeyGuard, AdminGuard, ClientRateLimitGuard],
  exports: [ApiKeyGuard, AdminGuard, ClientRateLimitGuard],
})
export class AuthModule {}
