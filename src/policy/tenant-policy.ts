import type { ChatCompletionRequest } from '../common/openai/chat.types';
import { ErrorCode, GatewayError } from '../common/errors';
import type { ProviderKey } from '../common/provider-keys';
import type { ModelCatalog } from '../routing/model-catalog';
import type { EmbeddingModelSpec } from '../routing/routing.types';
import type { TenantCacheSettings } from '../caching/chat-cache.service';
import { RoutingConfigError } from '../routing/config-reader';
import type { RoutingPolicy, RoutingPolicyOverride, SafetyAction } from '../routing/routing-policy';
import type { TenantRoutingSource } from '../routing/lab/decision-record';
import { PII_KINDS, PiiKind, piiScanBudget, redactPii, type PiiScanBudget } from './pii';
import { ALL_FEATURES, compileRequestLimits } from './request-limits';
import type { PolicyEndpoint, PolicyFeatures, RequestLimits } from './request-limits';

export const PII_ACTIONS = ['off', 'redact', 'block'] as const;
export type PiiAction = (typeof PII_ACTIONS)[number];

/** A tenant's policy as stored (tenant_policies.policy) and served by the admin API. */
export interface TenantPolicy {
  /** Providers the tenant may use; null = all configured providers. */
  allowed_providers: ProviderKey[] | null;
  /** Catalog models (ids or aliases) the tenant may use; null = all. */
  allowed_models: string[] | null;
  /** Catalog models the tenant may never use. */
  blocked_models: string[];
  pii: {
    /** off: nothing; redact: replace PII with placeholders before anything else sees it; block: refuse. */
    action: PiiAction;
    kinds: PiiKind[];
  };
  /** What to do with requests classified safety_risk (null: config/routing.yaml's action). */
  safety_action: Exclude<SafetyAction, 'route'> | null;
  /** Further routing overrides merged over config/routing.yaml (validated like the file). */
  routing: RoutingPolicyOverride | null;
  /** Response cache settings (null or absent: the CACHE_* defaults; docs/caching.md). */
  cache?: TenantCacheSettings | null;
  /** Largest output (tokens) a request may ask for; requests that name none get it. null: no cap. */
  max_output_tokens?: number | null;
  /** Request features the tenant may use (absent: all). */
  features?: PolicyFeatures | null;
  /** Endpoints the tenant may call; null or absent: all. */
  allowed_endpoints?: PolicyEndpoint[] | null;
  /**
   * The routing decision log (docs/routing.md "Routing lab"): on by default; `prompt_hash` (opt-in)
   * keeps a SHA-256 of the prompt for deduplication, never its text. Absent or null: the default.
   */
  decision_log?: DecisionLogPolicy | null;
}

export interface DecisionLogPolicy {
  enabled: boolean;
  prompt_hash: boolean;
}

export const DEFAULT_DECISION_LOG_POLICY: DecisionLogPolicy = Object.freeze({
  enabled: true,
  prompt_hash: false,
});

export const DEFAULT_TENANT_POLICY: TenantPolicy = Object.freeze({
  allowed_providers: null,
  allowed_models: null,
  blocked_models: [],
  pii: { action: 'off', kinds: [...PII_KINDS] },
  safety_action: null,
  routing: null,
  cache: null,
  max_output_tokens: null,
  features: { ...ALL_FEATURES },
  allowed_endpoints: null,
  decision_log: { ...DEFAULT_DECISION_LOG_POLICY },
}) as TenantPolicy;

/** A tenant policy prepared for the hot path (built once per policy change). */
export interface CompiledPolicy {
  source: TenantPolicy;
  piiAction: PiiAction;
  piiKinds: ReadonlySet<PiiKind>;
  routingPolicy: RoutingPolicy | null;
  /** Endpoints, features and the output-token cap (request-limits.ts). */
  limits: RequestLimits;
  /** The decision log switch, and the routing override as logged for replays (null: none). */
  decisionLog: DecisionLogPolicy;
  routingSource: TenantRoutingSource | null;
}

export interface RoutingPolicyBuilder {
  /** The default policy (config/routing.yaml). */
  readonly policy: RoutingPolicy;
  withOverride(override: RoutingPolicyOverride | unknown, source?: string): RoutingPolicy;
}

/**
 * When a tenant's exclusions remove routing.yaml's default model, the tenant's default becomes
 * the cheapest allowed model of the same tier (else of any tier). Null when nothing is allowed.
 */
export function replacementDefaultModel(
  catalog: ModelCatalog,
  baseDefault: string,
  excluded: ReadonlySet<string>,
): string | null {
  const tier = catalog.resolve(baseDefault)?.tier;
  const allowed = catalog.list().filter((spec) => !excluded.has(spec.id));
  const byCost = (a: { pricing: { input: number; output: number }; id: string }, b: typeof a) =>
    a.pricing.input + a.pricing.output - (b.pricing.input + b.pricing.output) || a.id.localeCompare(b.id);
  const sameTier = allowed.filter((spec) => spec.tier === tier).sort(byCost);
  return (sameTier[0] ?? allowed.sort(byCost)[0])?.id ?? null;
}

/**
 * Turns a tenant policy into its effective routing policy: models outside the allowed providers
 * or models, and blocked models, become `exclude_models`; the safety action overrides
 * routing.yaml's. Throws (RoutingConfigError) when the result is invalid — e.g. an unknown model.
 */
export function compilePolicy(
  policy: TenantPolicy,
  catalog: ModelCatalog,
  routing: RoutingPolicyBuilder,
  tenantName: string,
): CompiledPolicy {
  const exclude = new Set<string>(policy.routing?.exclude_models ?? []);
  const allowedProviders = policy.allowed_providers ? new Set(policy.allowed_providers) : null;
  const canonical = (name: string): string => catalog.resolveRequest(name)?.entry.spec.id ?? name;
  const allowedModels = policy.allowed_models ? new Set(policy.allowed_models.map(canonical)) : null;
  for (const spec of catalog.list()) {
    if (allowedProviders && !allowedProviders.has(spec.provider)) exclude.add(spec.id);
    if (allowedModels && !allowedModels.has(spec.id)) exclude.add(spec.id);
  }
  for (const name of policy.blocked_models) {
    // Embedding models are not routed to: blocking one concerns /v1/embeddings only.
    if (!catalog.resolveRequest(name) && catalog.resolveEmbedding(name)) continue;
    exclude.add(canonical(name));
  }
  const override: RoutingPolicyOverride = { ...(policy.routing ?? {}) };
  if (exclude.size > 0) override.exclude_models = [...exclude].sort();
  const defaultModel = override.default?.model ?? routing.policy.default.model;
  if (exclude.has(catalog.resolve(defaultModel)?.id ?? defaultModel) && !override.default?.model) {
    const replacement = replacementDefaultModel(catalog, defaultModel, exclude);
    if (!replacement) {
      throw new RoutingConfigError(`policy of tenant ${tenantName}`, ['the policy allows no model at all']);
    }
    override.default = { ...(override.default ?? {}), model: replacement };
  }
  if (policy.safety_action)
    override.safety_risk = { ...(override.safety_risk ?? {}), action: policy.safety_action };
  const customised = Object.keys(override).length > 0;
  // Models the catalog does not list (pass-through, discovered) are checked against the
  // allow-list at routing time: it travels with the routing policy.
  const allowOnly =
    allowedProviders || allowedModels
      ? {
          providers: policy.allowed_providers ? [...policy.allowed_providers] : null,
          models: allowedModels ? [...allowedModels].sort() : null,
        }
      : null;
  const routingPolicy =
    customised || allowOnly
      ? { ...routing.withOverride(override, `policy of tenant ${tenantName}`), allow_only: allowOnly }
      : null;
  return {
    source: policy,
    piiAction: policy.pii.action,
    piiKinds: new Set(policy.pii.kinds),
    routingPolicy,
    limits: compileRequestLimits(policy),
    decisionLog: { ...DEFAULT_DECISION_LOG_POLICY, ...(policy.decision_log ?? {}) },
    routingSource: routingPolicy ? { override, allow_only: allowOnly } : null,
  };
}

export interface PiiOutcome {
  request: ChatCompletionRequest;
  counts: Partial<Record<PiiKind, number>>;
}

/**
 * String fields that are identifiers or enumerations, never free text: left as they are (a
 * placeholder there would break the request, and PII patterns do not match their shapes).
 * Data URLs (`image_url.url: "data:…"`) are not scanned either: they are encoded binary.
 */
const IDENTIFIER_KEYS: ReadonlySet<string> = new Set([
  'role',
  'type',
  'model',
  'id',
  'tool_call_id',
  'detail',
  'reasoning_effort',
  'service_tier',
  'encoding_format',
]);
/** Deeper than this, a request is refused rather than partly checked (fail closed). */
const MAX_WALK_DEPTH = 64;

type Counts = Partial<Record<PiiKind, number>>;

function addCounts(counts: Counts, found: Counts): void {
  for (const [kind, count] of Object.entries(found) as Array<[PiiKind, number]>) {
    counts[kind] = (counts[kind] ?? 0) + count;
  }
}

/**
 * Redacts every string in `value` (any JSON value), copying only the objects and arrays on the
 * path to a change; returns `value` itself when nothing was found.
 */
interface Walk {
  kinds: ReadonlySet<PiiKind>;
  counts: Counts;
  /** One scan budget for the whole request (a 413 when its texts exceed it). */
  budget: PiiScanBudget;
}

function redactDeep(value: unknown, walk: Walk, depth: number): unknown {
  if (typeof value === 'string') {
    const result = redactPii(value, walk.kinds, walk.budget);
    if (result.text === value) return value;
    addCounts(walk.counts, result.counts);
    return result.text;
  }
  if (typeof value !== 'object' || value === null) return value;
  if (depth > MAX_WALK_DEPTH)
    throw new PiiPolicyUnavailable('the request is nested too deeply to be checked');
  if (Array.isArray(value)) {
    let copy: unknown[] | null = null;
    for (let i = 0; i < value.length; i++) {
      const next = redactDeep(value[i], walk, depth + 1);
      if (next !== value[i]) (copy ??= value.slice())[i] = next;
    }
    return copy ?? value;
  }
  let copy: Record<string, unknown> | null = null;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const field = record[key];
    if (
      typeof field === 'string' &&
      (IDENTIFIER_KEYS.has(key) || (key === 'url' && field.startsWith('data:')))
    )
      continue;
    const next = redactDeep(field, walk, depth + 1);
    if (next !== field) (copy ??= { ...record })[key] = next;
  }
  return copy ?? value;
}

/** The PII policy could not check the whole request: it is refused, never forwarded unchecked. */
export class PiiPolicyUnavailable extends Error {}

/**
 * Applies the PII rule to every string the gateway would forward: message text of every role and
 * part type, tool-call arguments, tool definitions, `user`, `metadata` and any other field passed
 * through. Returns the original request object when nothing was found (no copy on the common
 * path). Refuses (fails closed) when the request cannot be checked completely.
 */
export function applyPiiPolicy(request: ChatCompletionRequest, compiled: CompiledPolicy): PiiOutcome {
  if (compiled.piiAction === 'off' || compiled.piiKinds.size === 0) return { request, counts: {} };
  const counts: Counts = {};
  let redacted: unknown;
  try {
    redacted = redactDeep(request, { kinds: compiled.piiKinds, counts, budget: piiScanBudget() }, 0);
  } catch (error) {
    if (error instanceof GatewayError) throw error; // e.g. 413: more text than one request may have screened
    throw new GatewayError(
      ErrorCode.PolicyViolation,
      `This request could not be checked against the tenant's personal-data policy (${
        error instanceof PiiPolicyUnavailable ? error.message : 'the check failed'
      }), so it was not sent to a model provider.`,
      { param: null, cause: error },
    );
  }
  if (redacted === request) return { request, counts };
  if (compiled.piiAction === 'block') {
    const kinds = Object.keys(counts).join(', ');
    throw new GatewayError(
      ErrorCode.PolicyViolation,
      `This request contains personal data (${kinds}) that the tenant policy does not allow to be sent to a model provider.`,
      { param: 'messages' },
    );
  }
  return { request: redacted as ChatCompletionRequest, counts };
}

export function describeCounts(counts: Partial<Record<PiiKind, number>>): string {
  return Object.entries(counts)
    .map(([kind, count]) => `${kind}×${count}`)
    .join(', ');
}

/**
 * The tenant policy for an embeddings request: the model must be allowed (allowed_providers,
 * allowed_models — which then has to list embedding models too — and blocked_models), and the
 * PII rule applies to the input texts as it does to chat messages. Throws PolicyViolation.
 */
export function applyEmbeddingPolicy(
  texts: string[],
  model: EmbeddingModelSpec,
  compiled: CompiledPolicy,
  catalog: ModelCatalog,
): { texts: string[]; counts: Partial<Record<PiiKind, number>> } {
  const policy = compiled.source;
  const named = (list: readonly string[]): boolean =>
    list.some((name) => (catalog.resolveEmbedding(name)?.id ?? name) === model.id);
  const allowed =
    (!policy.allowed_providers || policy.allowed_providers.includes(model.provider)) &&
    (!policy.allowed_models || named(policy.allowed_models)) &&
    !named(policy.blocked_models);
  if (!allowed) {
    throw new GatewayError(
      ErrorCode.PolicyViolation,
      `The tenant policy does not allow the embedding model '${model.id}'.`,
      { param: 'model' },
    );
  }
  if (texts.length === 0) return { texts, counts: {} };
  const wrapped = { messages: [], input: texts } as unknown as ChatCompletionRequest;
  let outcome: PiiOutcome;
  try {
    outcome = applyPiiPolicy(wrapped, compiled);
  } catch (error) {
    if (error instanceof GatewayError && error.code === ErrorCode.PolicyViolation) {
      throw new GatewayError(ErrorCode.PolicyViolation, error.message.replace('This request', 'This input'), {
        param: 'input',
      });
    }
    throw error;
  }
  const redacted = (outcome.request as unknown as { input: string[] }).input;
  return { texts: redacted, counts: outcome.counts };
}
