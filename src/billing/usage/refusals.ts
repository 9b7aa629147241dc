import type { Request, Response } from 'express';
import { ErrorCode } from '../../common/errors';
import type { GatewayRequestState } from '../../common/principal';
import type { UsageEvent, UsageRecorder } from '../billing.types';

/**
 * The error codes that count as a refusal in spend reports: the gateway decided not to serve a
 * request it could have served (policy, safety, budget, rate limit, access). Not refusals:
 * malformed requests (400 invalid_*), unknown keys (401: no tenant to count them for), unknown
 * models or routes (404), upstream failures (5xx, provider_*): those are errors or not requests.
 */
export const REFUSAL_CODES: ReadonlySet<string> = new Set<string>([
  ErrorCode.PolicyViolation, // tenant policy: model, endpoint or feature not allowed
  ErrorCode.ContentPolicyViolation, // safety: PII or content refused
  ErrorCode.PermissionDenied, // the key may not use this route or model
  ErrorCode.TenantSuspended,
  ErrorCode.BudgetExceeded,
  ErrorCode.RateLimited, // requests per minute
  ErrorCode.ConcurrencyLimited, // requests or streams in flight
]);

function header(response: Response, name: string, max: number): string | null {
  const value = response.getHeader(name);
  return typeof value === 'string' && value.length > 0 ? value.slice(0, max) : null;
}

/**
 * The usage event of a refused client request, or null when the response is not a refusal
 * (or has no tenant: admin routes, unauthenticated requests). The model is the routed one when
 * routing ran (response headers), else the one the client asked for.
 */
export function refusalEvent(request: Request, response: Response, errorCode: string): UsageEvent | null {
  const state = request as Request & Partial<GatewayRequestState>;
  const principal = state.principal;
  if (!principal || !REFUSAL_CODES.has(errorCode)) return null;
  const body = request.body as { model?: unknown } | undefined;
  const asked = typeof body?.model === 'string' ? body.model.slice(0, 100) : '';
  return {
    requestId: typeof state.id === 'string' ? state.id : '',
    tenantId: principal.tenantId,
    apiKeyId: principal.keyId,
    provider: (header(response, 'x-modelmuxer-provider', 16) ?? '') as UsageEvent['provider'],
    model: header(response, 'x-modelmuxer-model', 100) ?? asked,
    intent: header(response, 'x-modelmuxer-intent', 16),
    promptTokens: 0,
    completionTokens: 0,
    cachedTokens: 0,
    costNano: 0,
    savedNano: 0,
    latencyMs: 0,
    status: response.statusCode,
    cacheHit: false,
    createdAt: new Date(),
    refusal: errorCode,
  };
}

/**
 * The hook the HTTP telemetry calls for every finished response: refusals go to the usage
 * recorder (batched like usage; never awaited, never throws).
 */
export function refusalCounter(
  recorder: UsageRecorder,
): (request: Request, response: Response, errorCode: string) => void {
  return (request, response, errorCode) => {
    const event = refusalEvent(request, response, errorCode);
    if (event) void recorder.record(event);
  };
}
