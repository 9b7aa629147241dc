import type { Principal } from '../common/principal';
import type { ChatCompletionRequest } from '../common/openai/chat.types';
import type { RoutingPolicy } from '../routing/routing-policy';
import type { TenantRoutingSource } from '../routing/lab/decision-record';
import type { EmbeddingModelSpec } from '../routing/routing.types';
import type { TenantCacheSettings } from '../caching/chat-cache.service';
import type { PolicyEndpoint } from './request-limits';
import type { PolicyRef } from '../audit/audit.types';

export type { PolicyRef };

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
  /** What was redacted: count per PII entity type (empty when nothing was). */
  redactions: Partial<Record<string, number>>;
  /** The tenant's cache settings (null: the CACHE_* defaults). */
  cache: TenantCacheSettings | null;
}

/**
 * Tenant policy (every mode): allowed providers/models, endpoints, features and output cap, PII
 * handling, safety. Runs before
 * intent classification, so redacted text is all that any later step (including the cheap-LLM
 * intent fallback) sees. Throws GatewayError(PolicyViolation) to refuse a request.
 */
export interface PolicyEnforcer {
  /** `endpoint`: the API surface the request came in through (default chat_completions). */
  evaluate(request: ChatCompletionRequest, principal: Principal, endpoint?: PolicyEndpoint): PolicyVerdict;
  /** The policy that applies to the principal (for the audit trail): its id and version. */
  ref(principal: Principal): PolicyRef;
  /**
   * An embeddings request: refuses a model the tenant may not use, applies the PII rule to the
   * texts. Returns the texts to embed (redacted or the same array) and notes.
   */
  evaluateEmbedding(texts: string[], model: EmbeddingModelSpec, principal: Principal): EmbeddingVerdict;
  /**
   * The tenant's decision log settings (docs/routing.md "Routing lab") and its routing
   * customisation as the log keeps it for replays (null: the platform routing policy).
   */
  decisionLog(principal: Principal): DecisionLogSettings;
}

export interface DecisionLogSettings {
  enabled: boolean;
  promptHash: boolean;
  routing: TenantRoutingSource | null;
}

export interface EmbeddingVerdict {
  texts: string[];
  notes: string[];
  /** What was redacted: count per PII entity type (empty when nothing was). */
  redactions: Partial<Record<string, number>>;
  /** The tenant's PII rule is on (token-id input, which cannot be screened, is then refused). */
  screensPii: boolean;
}

export const POLICY_ENFORCER = Symbol('POLICY_ENFORCER');
