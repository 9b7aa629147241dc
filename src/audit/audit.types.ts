/**
 * The per-request audit trail: every gateway decision that changed or refused a request, in the
 * same table (audit_log) and stream as the admin changes. Never prompt or completion text: ids,
 * models, counts and error codes only.
 */

/** What the gateway did to a request (one audit row each; one request may have several). */
export const REQUEST_DECISIONS = [
  'refused_policy',
  'refused_safety',
  'refused_budget',
  'refused_rate_limit',
  'pii_redacted',
  'model_downgraded',
  'fallback_used',
] as const;
export type RequestDecision = (typeof REQUEST_DECISIONS)[number];

/** Every decision the trail holds: the request decisions and the admin changes. */
export const AUDIT_DECISIONS = [...REQUEST_DECISIONS, 'admin_change'] as const;

/** A comma-separated list of decisions (checked by test/hostile/regex-safety.spec.ts). */
export const DECISION_LIST = new RegExp(`^(${AUDIT_DECISIONS.join('|')})(,(${AUDIT_DECISIONS.join('|')}))*$`);
export type AuditDecision = (typeof AUDIT_DECISIONS)[number];

/** One gateway decision about one request. */
export interface RequestAuditEvent {
  requestId: string;
  /** When the decision was made (rows are written in batches, a little later). */
  createdAt: Date;
  tenantId: string;
  /** Database key id; null for the static API_KEYS. */
  apiKeyId: string | null;
  /** e.g. "POST /v1/chat/completions". */
  route: string;
  decision: RequestDecision;
  /** The policy that decided: a tenant id (its own policy) or "default"; null where none applies. */
  policyId: string | null;
  policyVersion: number | null;
  /** The model asked for (or the router's choice before a downgrade / the first of the chain). */
  modelBefore: string | null;
  /** The model that answered (downgrade, fallback); null for a refusal. */
  modelAfter: string | null;
  /**
   * Small structured facts: the error code and status of a refusal, the PII counts per entity
   * type, the fallbacks tried. Never request or response text.
   */
  details: Record<string, unknown> | null;
}

/**
 * Where the gateway reports its decisions. record() buffers and returns at once: the rows are
 * written in batches off the request's path (no database round trip added to any request).
 */
export interface AuditRecorder {
  record(event: RequestAuditEvent): void;
}

export const AUDIT_RECORDER = Symbol('AUDIT_RECORDER');

/** The policy a decision was made under (see RequestAuditEvent.policyId/policyVersion). */
export interface PolicyRef {
  id: string;
  version: number | null;
}
