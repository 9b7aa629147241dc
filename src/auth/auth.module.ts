import { Global, Module, type DynamicModule, type Type } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { getToken } from '@willsoto/nestjs-prometheus';
import type Redis from 'ioredis';
import type { Counter } from 'prom-client';
import { AuditModule } from '../audit/audit.module';
import { AppConfig } from '../config/app-config';
import { REDIS_CLIENT, RedisModule } from '../redis/redis.module';
import { METRIC } from '../telemetry/metrics';
import { METRICS_ACCESS } from '../telemetry/metrics.controller';
import { AdminGuard } from './admin.guard';
import { ApiKeyGuard } from './api-key.guard';
import { AuthFailureThrottle, MemoryFailureCounter, RedisFailureCounter } from './auth-failure-throttle';
import { ClientAuthGuard } from './client-auth.guard';
import { ClientRateLimitGuard } from './client-rate-limit.guard';
import { OperatorAccess } from './operator-access';
import { clientThrottlerOptions } from './rate-limit.options';

/** The failure throttle: counted in Redis when REDIS_URL is set (shared by replicas), else in memory. */
function authFailureThrottle(
  config: AppConfig,
  redis: Redis | null | undefined,
  metric: Counter<string> | undefined,
): AuthFailureThrottle {
  const counter = redis
    ? new RedisFailureCounter(redis, `${config.redisKeyPrefix}authfail:`)
    : new MemoryFailureCounter();
  return new AuthFailureThrottle(
    { limit: config.auth.failureLimit, windowMs: config.auth.failureWindowMs },
    counter,
    metric,
  );
}

/**
 * Guards for client API keys (tenancy), per-key rate limits and the admin API; the throttle of
 * failed authentications per client address; access to the operator endpoints (metrics,
 * readiness details). The throttler's storage is Redis when RedisModule provides a client
 * (REDIS_URL), else in-memory.
 *
 * Global: the guards (the APP_GUARD, AdminGuard on admin controllers) are resolved in every
 * module. Database keys are resolved by the module the composition passes to forRoot (billing's
 * API_KEY_RESOLVER): auth sits below billing and does not import it.
 */
@Global()
@Module({})
export class AuthModule {
  static forRoot(options: { keyResolver: Type }): DynamicModule {
    return {
      module: AuthModule,
      imports: [options.keyResolver, RedisModule, AuditModule, ...AUTH_IMPORTS],
      ...AUTH_MODULE,
    };
  }
}

const AUTH_IMPORTS = [
  ThrottlerModule.forRootAsync({
    imports: [RedisModule],
    inject: [AppConfig, { token: REDIS_CLIENT, optional: true }],
    useFactory: (config: AppConfig, redis?: Redis | null) => clientThrottlerOptions(config, redis),
  }),
];

const AUTH_MODULE = {
  providers: [
    {
      provide: AuthFailureThrottle,
      inject: [
        AppConfig,
        { token: REDIS_CLIENT, optional: true },
        { token: getToken(METRIC.authFailures), optional: true },
      ],
      useFactory: authFailureThrottle,
    },
    OperatorAccess,
    { provide: METRICS_ACCESS, useExisting: OperatorAccess },
    ApiKeyGuard,
    AdminGuard,
    ClientRateLimitGuard,
    // Secure by default: every route needs a client key unless it is @Public() or @AdminAuth().
    { provide: APP_GUARD, useClass: ClientAuthGuard },
  ],
  exports: [
    AuthFailureThrottle,
    OperatorAccess,
    METRICS_ACCESS,
    ApiKeyGuard,
    AdminGuard,
    ClientRateLimitGuard,
  ],
};
