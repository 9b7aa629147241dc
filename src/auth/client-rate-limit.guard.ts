import { ExecutionContext, Injectable, Logger, Optional } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  type ThrottlerLimitDetail,
  type ThrottlerModuleOptions,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { ErrorCode, GatewayError } from '../common/errors';
import { METRIC } from '../telemetry/metrics';
import type { GatewayRequestState, Principal } from '../common/principal';

/** The one throttler: requests per key per minute. */
export const RATE_LIMIT_WINDOW_MS = 60_000;

export function principalOf(context: ExecutionContext): Principal | undefined {
  return context.switchToHttp().getRequest<GatewayRequestState>().principal;
}

/** Who is counted: the key (never the IP: many clients share NATs, one key may use many IPs). */
export function rateLimitTracker(principal: Principal): string {
  return principal.rateLimitKey ?? principal.keyId ?? principal.tenantId;
}

/**
 * Per-key rate limits with @nestjs/throttler, run after ApiKeyGuard (see ClientAuthGuard). The limit
 * is the principal's `rateLimitPerMinute` (tenant override or RATE_LIMIT_RPM; 0 = unlimited).
 * Refusals are GatewayErrors (429 `rate_limit_exceeded` with retry-after), so the one exception
 * filter renders them like every other error. Without ThrottlerModule (a test module that did
 * not import AuthModule), nothing is limited.
 */
@Injectable()
export class ClientRateLimitGuard extends ThrottlerGuard {
  private readonly enabled: boolean;

  constructor(
    @Optional() @InjectThrottlerOptions() options: ThrottlerModuleOptions | undefined,
    @Optional() @InjectThrottlerStorage() storage: ThrottlerStorage | undefined,
    reflector: Reflector,
    @Optional() @InjectMetric(METRIC.rateLimited) private readonly rejections?: Counter<string>,
  ) {
    super(options ?? [], storage as ThrottlerStorage, reflector);
    this.enabled = options !== undefined && storage !== undefined;
    if (!this.enabled)
      new Logger('RateLimit').warn('ThrottlerModule is not loaded: client rate limits are off');
  }

  override async onModuleInit(): Promise<void> {
    if (this.enabled) await super.onModuleInit();
  }

  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    if (!this.enabled) return true;
    const principal = principalOf(context);
    return !principal || principal.rateLimitPerMinute <= 0;
  }

  protected override async getTracker(request: Record<string, unknown>): Promise<string> {
    const principal = (request as unknown as GatewayRequestState).principal;
    return principal ? rateLimitTracker(principal) : 'anonymous';
  }

  protected override async throwThrottlingException(
    _context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    this.rejections?.inc();
    const retryAfter = Math.max(1, detail.timeToBlockExpire);
    throw new GatewayError(
      ErrorCode.RateLimited,
      `Rate limit reached for this API key: ${detail.limit} requests per minute. Retry after ${retryAfter} s.`,
      { retryAfter },
    );
  }
}
