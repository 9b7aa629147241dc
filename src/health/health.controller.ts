import { Controller, Get, Inject, Req, ServiceUnavailableException } from '@nestjs/common';
import type { Request } from 'express';
import {
  HealthCheck,
  HealthCheckResult,
  HealthCheckService,
  HealthIndicatorFunction,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { PROVIDER_EXECUTOR } from '../providers/provider.types';
import { PROVIDER_KEYS } from '../common/provider-keys';
import type { ProviderExecutor } from '../providers/provider.types';
import { OperatorAccess } from '../auth/operator-access';
import { ErrorCode, GatewayError } from '../common/errors';
import { Public } from '../common/route-access';
import { ServingState } from '../common/serving-state';
import { REDIS_CLIENT } from '../redis/redis.module';
import type { RedisClient } from '../redis/redis.module';

const PING_TIMEOUT_MS = 1_000;

/**
 * Kubernetes probes, unauthenticated and unthrottled.
 * - GET /health: liveness. Cheap, no dependency calls: the process is up and serving.
 * - GET /health/ready: readiness (200, or 503 when not ready): database ping, Redis ping when
 *   configured, and at least one provider available for routing; 503 at once from SIGTERM on
 *   (draining: see src/server/graceful-shutdown.ts). Only the status is public;
 *   the checks' details (which providers are configured, dependency error messages that can name
 *   internal hosts) are shown to a holder of METRICS_TOKEN or ADMIN_API_KEY.
 */
@Controller('health')
@Public()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly access: OperatorAccess,
    private readonly serving: ServingState,
    @Inject(PROVIDER_EXECUTOR) private readonly executor: ProviderExecutor,
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient | null,
  ) {}

  @Get()
  liveness(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  async readiness(@Req() request: Request): Promise<HealthCheckResult | { status: string }> {
    if (this.serving.draining) throw draining();
    const detailed = await this.access.mayReadHealthDetails(request);
    const checks: HealthIndicatorFunction[] = [
      () => this.database.pingCheck('database', { timeout: PING_TIMEOUT_MS }),
      () => this.providersCheck(),
    ];
    if (this.redis) checks.push(() => this.redisCheck(this.redis!));
    try {
      const result = await this.health.check(checks);
      return detailed ? result : { status: result.status };
    } catch (error) {
      // Terminus reports "not ready" as a 503 exception carrying the check results: answer it as
      // an OpenAI error object (like every error), with the results beside it for operators.
      if (error instanceof ServiceUnavailableException)
        throw notReady(error.getResponse() as HealthCheckResult, detailed);
      throw error;
    }
  }

  private providersCheck() {
    const indicator = this.indicators.check('providers');
    const available = PROVIDER_KEYS.filter((provider) => this.executor.isProviderConfigured(provider));
    return available.length > 0
      ? indicator.up({ available })
      : indicator.down({
          available,
          message: 'no provider is configured (set a provider key or TEST_MODE=true)',
        });
  }

  private async redisCheck(redis: RedisClient) {
    const indicator = this.indicators.check('redis');
    try {
      const pong = await Promise.race([
        redis.ping(),
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error('timeout')), PING_TIMEOUT_MS).unref(),
        ),
      ]);
      return pong === 'PONG' ? indicator.up() : indicator.down({ message: `unexpected reply ${pong}` });
    } catch (error) {
      return indicator.down({ message: (error as Error).message });
    }
  }
}

/** 503 from SIGTERM on: the process still serves, but balancers must stop sending to it. */
function draining(): GatewayError {
  const error = new GatewayError(ErrorCode.ServiceUnavailable, 'Shutting down: draining requests.');
  error.bodyExtras.status = 'shutting_down';
  return error;
}

/**
 * 503. For operators: the checks that failed named in the message and every result beside the
 * error; for anyone else: "Not ready." and the status.
 */
function notReady(result: HealthCheckResult, detailed: boolean): GatewayError {
  if (!detailed) {
    const error = new GatewayError(ErrorCode.ServiceUnavailable, 'Not ready.');
    error.bodyExtras.status = result.status;
    return error;
  }
  const failing = Object.keys(result.error ?? {});
  const error = new GatewayError(
    ErrorCode.ServiceUnavailable,
    `Not ready: ${failing.length > 0 ? failing.join(', ') : 'a check'} failed.`,
  );
  error.bodyExtras.status = result.status;
  error.bodyExtras.info = result.info;
  error.bodyExtras.details = result.details;
  return error;
}
