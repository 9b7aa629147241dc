import { Controller, Get, Inject, Optional, ServiceUnavailableException } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckResult,
  HealthCheckService,
  HealthIndicatorFunction,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { PROVIDER_EXECUTOR, PROVIDER_KEYS } from '../providers/provider.types';
import type { ProviderExecutor } from '../providers/provider.types';
import { ErrorCode, GatewayError } from '../common/errors';
import { REDIS_CLIENT } from '../redis/redis.module';
import type { RedisClient } from '../redis/redis.module';

const PING_TIMEOUT_MS = 1_000;

/**
 * Kubernetes probes, unauthenticated and unthrottled.
 * - GET /health: liveness. Cheap, no dependency calls: the process is up and serving.
 * - GET /health/ready: readiness (503 with details when not ready): database ping, Redis ping
 *   when configured, and at least one provider available for routing.
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly database: TypeOrmHealthIndicator,
    @Inject(PROVIDER_EXECUTOR) private readonly executor: ProviderExecutor,
    @Optional() @Inject(REDIS_CLIENT) private readonly redis?: RedisClient | null,
  ) {}

  @Get()
  liveness(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  async readiness(): Promise<HealthCheckResult> {
    const checks: HealthIndicatorFunction[] = [
      () => this.database.pingCheck('database', { timeout: PING_TIMEOUT_MS }),
      () => this.providersCheck(),
    ];
    if (this.redis) checks.push(() => this.redisCheck(this.redis!));
    try {
      return await this.health.check(checks);
    } catch (error) {
      // Terminus reports "not ready" as a 503 exception carrying the check results: answer it as
      // an OpenAI error object (like every error) with the results beside it.
      if (error instanceof ServiceUnavailableException)
        throw notReady(error.getResponse() as HealthCheckResult);
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

/** 503 with the checks that failed named in the message and every result beside the error. */
function notReady(result: HealthCheckResult): GatewayError {
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
