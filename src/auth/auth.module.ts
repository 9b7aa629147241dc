import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import type Redis from 'ioredis';
import { AuditModule } from '../audit/audit.module';
import { AppConfig } from '../config/app-config';
import { REDIS_CLIENT, RedisModule } from '../redis/redis.module';
import { TelemetryModule } from '../telemetry/telemetry.module';
import { AdminGuard } from './admin.guard';
import { ApiKeyGuard } from './api-key.guard';
import { ADMIN_KEY_RESOLVER, API_KEY_RESOLVER } from './auth.types';
import { ClientAuthGuard } from './client-auth.guard';
import { ClientRateLimitGuard } from './client-rate-limit.guard';
import { OperatorAccessModule } from './operator-access.module';
import { clientThrottlerOptions } from './rate-limit.options';

/**
 * Authentication of every route: ClientAuthGuard is the one APP_GUARD (registered once, by the
 * composition's AuthModule.forRoot), and by the access a route declares it lets @Public() routes
 * through, checks the admin credential of @AdminAuth() routes (AdminGuard) and the client API key
 * then the per-key rate limit of every other route. So no other module needs anything of this
 * one: AuthModule is not global and nothing imports it but the composition. The throttler's
 * storage is Redis when REDIS_URL is set, else in-memory.
 *
 * Database keys are resolved by the module the composition passes to forRoot (billing's
 * API_KEY_RESOLVER): auth sits below billing and does not import it. The failure throttle and
 * the operator access come from OperatorAccessModule (shared with the health probes).
 */
@Module({})
export class AuthModule {
  static forRoot(options: { keyResolver: Type }): DynamicModule {
    return {
      module: AuthModule,
      imports: [options.keyResolver, ...AUTH_IMPORTS],
      ...AUTH_MODULE,
    };
  }
}

const AUTH_IMPORTS = [
  RedisModule,
  AuditModule,
  TelemetryModule,
  OperatorAccessModule,
  ThrottlerModule.forRootAsync({
    imports: [RedisModule],
    inject: [AppConfig, REDIS_CLIENT],
    useFactory: (config: AppConfig, redis: Redis | null) => clientThrottlerOptions(config, redis),
  }),
];

const AUTH_MODULE = {
  providers: [
    { provide: ADMIN_KEY_RESOLVER, useExisting: API_KEY_RESOLVER },
    ApiKeyGuard,
    AdminGuard,
    ClientRateLimitGuard,
    // Secure by default: every route needs a client key unless it is @Public() or @AdminAuth().
    { provide: APP_GUARD, useClass: ClientAuthGuard },
  ],
  exports: [ApiKeyGuard, AdminGuard, ClientRateLimitGuard],
};
