import { refusalDecision, refusalDetails } from '../../audit/audit-decisions';
import type { RequestAuditEvent, RequestDecision } from '../../audit/audit.types';
import type { GatewayError } from '../../common/errors';
import { fallbacksTried } from '../router-metadata';
import type { ChatCall } from './chat-call';

export const CHAT_COMPLETIONS_ROUTE = 'POST /v1/chat/completions';

/**
 * The audit rows of a chat call once its steps ran (`error`: what they threw): a refusal
 * (policy, safety, budget), the PII it redacted, a downgrade by the budget, an answer from a
 * fallback — one row each. Only what the gateway decided: ids, models, counts, error codes.
 */
export function chatAuditEvents(call: ChatCall, error: unknown): RequestAuditEvent[] {
  if (call.mode === 'explain') return [];
  const events: RequestAuditEvent[] = [];
  const requested = typeof call.request.model === 'string' ? call.request.model.slice(0, 100) : null;
  const add = (decision: RequestDecision, fields: Partial<RequestAuditEvent>) =>
    events.push({ ...auditBase(call), decision, modelBefore: requested, ...fields });
  if (Object.keys(call.redactions).length > 0) add('pii_redacted', { details: { pii: call.redactions } });
  const decision = call.plan?.decision ?? null;
  if (decision?.budgetDowngraded) {
    add('model_downgraded', {
      modelBefore: call.modelBeforeDowngrade ?? requested,
      modelAfter: decision.target?.model ?? null,
    });
  }
  // An answer after a target failed (router_metadata.fallbacks_tried says which).
  const outcome = call.outcome;
  const tried = outcome ? fallbacksTried(outcome.attempts) : [];
  if (outcome && tried.length > 0) {
    add('fallback_used', {
      modelBefore: tried[0].model,
      modelAfter: outcome.model,
      details: { fallbacks_tried: tried },
    });
  }
  const refusal = refusalDecision(error, decision?.failure?.excludedByPolicy === true);
  if (refusal) add(refusal, { details: refusalDetails(error as GatewayError) });
  return events;
}

function auditBase(call: ChatCall): Omit<RequestAuditEvent, 'decision'> {
  const principal = call.context.principal;
  return {
    requestId: call.context.requestId,
    createdAt: new Date(),
    tenantId: principal.tenantId,
    apiKeyId: principal.keyId,
    route: call.context.route ?? CHAT_COMPLETIONS_ROUTE,
    policyId: call.policyRef?.id ?? null,
    policyVersion: call.policyRef?.version ?? null,
    modelBefore: null,
    modelAfter: null,
    details: null,
  };
}
