import { ErrorCode, GatewayError } from '../common/errors';
import type { RequestDecision } from './audit.types';

/**
 * The refusal an error stands for, by its code (never its message), or null when the error is
 * not a gateway decision (bad input, an upstream failure, ...). A model the tenant policy
 * excludes is answered 404 model_not_found like an unknown one; the caller, which knows the
 * routing decision, says so with `excludedByPolicy`.
 */
export function refusalDecision(error: unknown, excludedByPolicy = false): RequestDecision | null {
  if (!(error instanceof GatewayError)) return null;
  switch (error.code) {
    case ErrorCode.PolicyViolation:
      return 'refused_policy';
    case ErrorCode.ContentPolicyViolation:
      return 'refused_safety';
    case ErrorCode.BudgetExceeded:
      return 'refused_budget';
    case ErrorCode.RateLimited:
    case ErrorCode.ConcurrencyLimited:
      return 'refused_rate_limit';
    case ErrorCode.ModelNotFound:
      return excludedByPolicy ? 'refused_policy' : null;
    default:
      return null;
  }
}

/** The facts of a refusal kept in the trail: its code and status (not its message). */
export function refusalDetails(error: GatewayError): Record<string, unknown> {
  return { code: error.code, status: error.status };
}

/** The route of an Express request for the trail: method and route pattern (never the query). */
export function auditRoute(request: { method?: string; route?: { path?: unknown }; path?: string }): string {
  const path = typeof request.route?.path === 'string' ? request.route.path : (request.path ?? '');
  return `${request.method ?? ''} ${path}`.slice(0, 64);
}
