import { ErrorCode, GatewayError } from '../common/errors';
import type { RoutingDecision } from './routing.types';

/**
 * The error a decision without a target stands for, or null when it has one. The chat pipeline
 * throws it before any provider is called:
 *   refusal → 400 content_policy_violation; unknown model → 404 model_not_found;
 *   request no model can take → 400 (context_length_exceeded, unsupported_parameter, ...);
 *   every suitable model down or unconfigured → 503 no_provider_available.
 */
export function routingError(decision: RoutingDecision): GatewayError | null {
  if (decision.refusal) {
    return new GatewayError(ErrorCode.ContentPolicyViolation, decision.refusal.message, {
      param: 'messages',
    });
  }
  if (decision.target) return null;
  const failure = decision.failure;
  if (failure) return new GatewayError(failure.code, failure.message, { param: failure.param });
  return new GatewayError(
    ErrorCode.NoProviderAvailable,
    `No model is available for this request: ${decision.reason}`,
  );
}
