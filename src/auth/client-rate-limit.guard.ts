import { ExecutionContext, Inject, Injectable } from '@nestjs/common';
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
import { auditRoute } from '../audit/audit-decisions';
import { AUDIT_RECORDER, type AuditRecorder } from '../audit/audit.types';
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
 * filter renders them like every other error, and recorded in the audit trail. Provided by
 * AuthModule, which imports the ThrottlerModule, the audit trail and the metrics it needs.
 */
@Injectable()
export class ClientRateLimitGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    @InjectMetric(METRIC.rateLimited) private readonly rejections: Counter<string>,
    @Inject(AUDIT_RECORDER) private readonly audit: AuditRecorder,
  ) {
    super(options, storage, reflector);
  }

  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    const principal = principalOf(context);
    return !principal || principal.rateLimitPerMinute <= 0;
  }

  protected override async getTracker(request: Record<string, unknown>): Promise<string> {
    const principal = (request as unknown as GatewayRequestState).principal;
    return principal ? rateLimitTracker(principal) : 'anonymous';
  }

  protected override async throwThrottlingException(
    context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    this.rejections.inc();
    const retryAfter = Math.max(1, detail.timeToBlockExpire);
    const error = new GatewayError(
      ErrorCode.RateLimited,
      `Rate limit reached for this API key: ${detail.limit} requests per minute. Retry after ${retryAfter} s.`,
      { retryAfter },
    );
    this.recordRefusal(context, error, detail.limit);
    throw error;
  }

  /** The refusal in the audit trail (the key is known: the limit applies after authentication). */
  private recordRefusal(context: ExecutionContext, error: GatewayError, limit: number): void {
    const request = context
      .switchToHttp()
      .getRequest<GatewayRequestState & Parameters<typeof auditRoute>[0]>();
    const principal = request.principal;
    if (!principal) return;
    this.audit.record({
      requestId: request.id,
      createdAt: new Date(),
      tenantId: principal.tenantId,
      apiKeyId: principal.keyId,
      route: auditRoute(request),
      decision: 'refused_rate_limit',
      policyId: null,
      policyVersion: null,
      modelBefore: null,
      modelAfter: null,
      details: { code: error.code, status: error.status, limit_rpm: limit },
    });
  }
}
