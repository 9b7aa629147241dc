import type { Principal } from '../common/principal';
import type { ChatCompletionRequest } from '../common/openai/chat.types';
import type { RoutingPolicy } from '../routing/routing-policy';

/** What the tenant policy decided for a request, before classification and routing. */
export interface PolicyVerdict {
  /** The request to classify and route: the original, or a copy with PII redacted. */
  request: ChatCompletionRequest;
  /**
   * The tenant's effective routing policy (allowed/blocked models, safety action, routing
   * overrides merged over config/routing.yaml), or null for the default policy.
   */
  routingPolicy: RoutingPolicy | null;
  /** Short notes for router_metadata (e.g. "pii_redacted: email×2"). */
  notes: string[];
}

/**
 * Tenant policy (production mode): allowed providers/models, PII handling, safety. Runs before
 * intent classification, so redacted text is all that any later step (including the cheap-LLM
 * intent fallback) sees. Throws GatewayError(PolicyViolation) to refuse a request.
 */
export interface PolicyEnforcer {
  evaluate(request: ChatCompletionRequest, principal: Principal): PolicyVerdict;
}

export const POLICY_ENFORCER = Symbol('POLICY_ENFORCER');
