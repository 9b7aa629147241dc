import { Module } from '@nestjs/common';
import { getToken } from '@willsoto/nestjs-prometheus';
import type Redis from 'ioredis';
import type { Counter } from 'prom-client';
import { AppConfig } from '../config/app-config';
import { REDIS_CLIENT, RedisModule } from '../redis/redis.module';
import { METRIC } from '../telemetry/metrics';
import { METRICS_ACCESS } from '../telemetry/metrics.controller';
import { TelemetryModule } from '../telemetry/telemetry.module';
import { AuthFailureThrottle, MemoryFailureCounter, RedisFailureCounter } from './auth-failure-throttle';
import { OperatorAccess } from './operator-access';

/** The failure throttle: counted in Redis when REDIS_URL is set (shared by replicas), else in memory. */
function authFailureThrottle(
  config: AppConfig,
  redis: Redis | null,
  metric: Counter<string>,
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
 * The throttle of failed authentications per client address (one per application: the guards
 * of AuthModule and the operator endpoints count against the same addresses) and access to the
 * operator endpoints (OperatorAccess: /health/ready details; METRICS_ACCESS: /metrics/prometheus).
 * Imported by AuthModule and HealthModule, and passed to the metrics endpoint by the composition
 * (telemetry sits below auth).
 */
@Module({
  imports: [RedisModule, TelemetryModule],
  providers: [
    {
      provide: AuthFailureThrottle,
      inject: [AppConfig, REDIS_CLIENT, getToken(METRIC.authFailures)],
      useFactory: authFailureThrottle,
    },
    OperatorAccess,
    { provide: METRICS_ACCESS, useExisting: OperatorAccess },
  ],
  exports: [AuthFailureThrottle, OperatorAccess, METRICS_ACCESS],
})
export class OperatorAccessModule {}
