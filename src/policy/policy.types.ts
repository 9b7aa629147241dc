import type { Principal } from '../auth/auth.types';
import type { ChatCompletionRequest } from '../chat/chat.types';
import type { IntentResult } from '../intent/intent.types';
import type { RouteTarget } from '../routing/routing.types';

/** What the policy decided for a request before routing. */
export interface PolicyVerdict {
  /** The request to route: the original, or a copy with PII redacted. */
  request: ChatCompletionRequest;
  /** Providers/models this tenant may use (null = no restriction). */
  allowTarget: ((target: RouteTarget) => boolean) | null;
  /** Short notes for router_metadata (e.g. "pii_redacted: 2 emails"). */
  notes: string[];
}

/**
 * Tenant policy (production mode): allowed providers/models, PII handling, safety. Throws
 * GatewayError(PolicyViolation) to refuse a request.
 */
export interface PolicyEnforcer {
  evaluate(request: ChatCompletionRequest, principal: Principal, intent: IntentResult): PolicyVerdict;
}

export const POLICY_ENFORCER = Symbol('POLICY_ENFORCER');
