import { INTENT_LABELS } from '../common/intent-labels';
import type { IntentLabel } from '../common/intent-labels';
import { FieldReader, isPlain, parseYaml, readYamlFile, RoutingConfigError } from './config-reader';
import type { ProviderKey } from '../common/provider-keys';
import type { ModelCatalog } from './model-catalog';
import { MODEL_TIERS } from './routing.types';
import type { ModelTier } from './routing.types';

export const SAFETY_ACTIONS = ['refuse', 'allow', 'route'] as const;
export type SafetyAction = (typeof SAFETY_ACTIONS)[number];

/** How one kind of request is routed. */
export interface RouteRule {
  /** Candidates must reach this quality (0..1) for the label to be considered. */
  min_quality: number;
  /** Tier floor for direct routing; moved up one for cautious, down one for budget routing. */
  preferred_tier: ModelTier;
  /** Catalog ids/aliases tried first, in order, when they qualify (eligible, bar, tier). */
  prefer: string[];
  /** Expected completion length when the client sets no max_tokens (cost estimate, context check). */
  expected_output_tokens: number;
}

/** The route for unclassified and low-confidence requests, anchored on one balanced model. */
export interface DefaultRouteRule extends RouteRule {
  model: string;
}

/**
 * config/routing.yaml as a typed object. Tenants override parts of it later (policy issue):
 * build their effective policy once with mergeRoutingPolicy() and pass it to RoutingService.
 */
export interface RoutingPolicy {
  /** Score = quality × weights.quality + relative cheapness × weights.cost. */
  weights: { cost: number; quality: number };
  default: DefaultRouteRule;
  intents: Record<IntentLabel, RouteRule>;
  budget: {
    /** Downgrade one tier when remaining budget / limit falls below this fraction (0 disables). */
    downgrade_below: number;
    /** How far the quality bar drops while downgraded. */
    quality_relaxation: number;
  };
  explicit_models: {
    /** When true a concrete `model` is a hint: the router decides as for "auto". */
    allow_override: boolean;
    /** Fallbacks for an explicit model: same tier, quality at most this much lower. */
    fallback_max_quality_drop: number;
  };
  safety_risk: {
    action: SafetyAction;
    /** The model `route` sends to (required for route). */
    model: string | null;
    /** Confidence needed to act on the label; null → INTENT_LOW_CONFIDENCE. */
    min_confidence: number | null;
    /** Message of the content_policy_violation refusal. */
    message: string;
  };
  fallbacks: {
    /** Length of the fallback chain after the target. */
    max: number;
    /** Put a model of another provider in the chain when one qualifies (outages are per provider). */
    prefer_other_provider: boolean;
  };
  /** Models never routed to (explicit requests for them fail with model_not_found). */
  exclude_models: string[];
  /**
   * A tenant's allow-list, for models the catalog does not list (pass-through, discovered):
   * providers and canonical ids (`openai/gpt-4o-2024-08-06`). Set by the tenant policy
   * (compilePolicy), never read from routing.yaml. Absent or null: no restriction.
   */
  allow_only?: { providers: ProviderKey[] | null; models: string[] | null } | null;
}

type Partialize<T> = {
  [K in keyof T]?: T[K] extends unknown[] ? T[K] : T[K] extends object ? Partial<T[K]> : T[K];
};

/** A partial policy (e.g. a tenant's), merged over a base by mergeRoutingPolicy. */
export interface RoutingPolicyOverride extends Omit<Partialize<RoutingPolicy>, 'intents'> {
  intents?: Partial<Record<IntentLabel, Partial<RouteRule>>>;
}

export const DEFAULT_REFUSAL_MESSAGE =
  'This request was refused by the gateway content policy (classified as safety_risk).';

/**
 * Merges an override over a base policy. Pure: returns a new object; sections merge field by
 * field, intents label by label, lists replace. Validate the result with checkRoutingPolicy().
 */
export function mergeRoutingPolicy(
  base: RoutingPolicy,
  override: RoutingPolicyOverride | null | undefined,
): RoutingPolicy {
  if (!override) return base;
  const intents = { ...base.intents };
  for (const label of INTENT_LABELS) {
    const patch = override.intents?.[label];
    if (patch) intents[label] = { ...base.intents[label], ...patch };
  }
  return {
    weights: { ...base.weights, ...override.weights },
    default: { ...base.default, ...override.default },
    intents,
    budget: { ...base.budget, ...override.budget },
    explicit_models: { ...base.explicit_models, ...override.explicit_models },
    safety_risk: { ...base.safety_risk, ...override.safety_risk },
    fallbacks: { ...base.fallbacks, ...override.fallbacks },
    exclude_models: override.exclude_models ?? base.exclude_models,
    ...(base.allow_only ? { allow_only: base.allow_only } : {}),
  };
}

/* ---------- reading and validation ---------- */

/** Values of the optional sections when routing.yaml leaves them out. */
export const POLICY_DEFAULTS: Pick<RoutingPolicy, 'budget' | 'explicit_models' | 'fallbacks'> = {
  budget: { downgrade_below: 0.2, quality_relaxation: 0.1 },
  explicit_models: { allow_override: false, fallback_max_quality_drop: 0.05 },
  fallbacks: { max: 3, prefer_other_provider: true },
};

const TOP_KEYS = [
  'weights',
  'default',
  'intents',
  'budget',
  'explicit_models',
  'safety_risk',
  'fallbacks',
  'exclude_models',
] as const;
const RULE_KEYS = ['min_quality', 'preferred_tier', 'prefer', 'expected_output_tokens'] as const;

/**
 * Reads a full policy (`partial` false: every section required) or an override (`partial`
 * true: only what is present). Problems are collected into `problems`.
 */
function readPolicy(raw: unknown, problems: string[], partial: boolean): RoutingPolicyOverride {
  const out: RoutingPolicyOverride = {};
  const top = FieldReader.of(raw, 'policy', problems, TOP_KEYS);
  if (!top) return out;
  const read = new PolicySections(top, partial);
  const sections: Array<[keyof RoutingPolicyOverride, unknown]> = [
    ['weights', readWeights(read)],
    ['default', readDefaultRule(read)],
    ['intents', readIntentRules(read)],
    ['budget', readBudget(read)],
    ['explicit_models', readExplicitModels(read)],
    ['safety_risk', readSafety(read)],
    ['fallbacks', readFallbacks(read)],
  ];
  for (const [key, value] of sections) if (value !== undefined) Object.assign(out, { [key]: value });
  if (top.has('exclude_models')) out.exclude_models = top.stringList('exclude_models');
  return out;
}

/**
 * Reading the sections of a policy document. weights, default and intents are required in a
 * full policy; the other sections (and their fields) are optional everywhere and default in
 * completePolicy(). A partial policy (a tenant's override) reads only what it sets.
 */
class PolicySections {
  private readonly required: Set<string>;
  private readonly optionalFields = new Set<FieldReader>();

  constructor(
    private readonly top: FieldReader,
    readonly partial: boolean,
  ) {
    this.required = new Set(partial ? [] : ['weights', 'default', 'intents']);
  }

  /** The section's reader, or null when an optional section is absent. */
  section(key: string, keys: readonly string[]): FieldReader | null {
    if (!this.required.has(key) && !this.top.has(key)) return null;
    const reader = this.top.child(key, keys);
    if (reader && !this.required.has(key)) this.optionalFields.add(reader);
    return reader;
  }

  /** A field that may be left out (partial policy, optional section): undefined when it is. */
  get<T>(reader: FieldReader, key: string, read: () => T | undefined): T | undefined {
    return (this.partial || this.optionalFields.has(reader)) && !reader.has(key) ? undefined : read();
  }

  /** A field that is optional everywhere. */
  optional<T>(reader: FieldReader, key: string, read: () => T | undefined): T | undefined {
    return reader.has(key) ? read() : undefined;
  }

  rule(reader: FieldReader): Partial<RouteRule> {
    return defined<Partial<RouteRule>>({
      min_quality: this.get(reader, 'min_quality', () => reader.number('min_quality', { min: 0, max: 1 })),
      preferred_tier: this.get(reader, 'preferred_tier', () =>
        reader.oneOf<ModelTier>('preferred_tier', MODEL_TIERS),
      ),
      prefer: this.optional(reader, 'prefer', () => reader.stringList('prefer')),
      expected_output_tokens: this.optional(reader, 'expected_output_tokens', () =>
        reader.number('expected_output_tokens', { min: 1, integer: true }),
      ),
    });
  }
}

/** The object without its undefined values. */
function defined<T extends object>(values: T): T {
  const out = {} as Record<string, unknown>;
  for (const [key, value] of Object.entries(values)) if (value !== undefined) out[key] = value;
  return out as T;
}

function readWeights(read: PolicySections): RoutingPolicyOverride['weights'] {
  const weights = read.section('weights', ['cost', 'quality']);
  if (!weights) return undefined;
  return defined({
    cost: read.get(weights, 'cost', () => weights.number('cost', { min: 0 })),
    quality: read.get(weights, 'quality', () => weights.number('quality', { min: 0 })),
  });
}

function readDefaultRule(read: PolicySections): RoutingPolicyOverride['default'] {
  const defaults = read.section('default', ['model', ...RULE_KEYS]);
  if (!defaults) return undefined;
  const rule = defined<Partial<DefaultRouteRule>>({
    ...read.rule(defaults),
    model: read.get(defaults, 'model', () => defaults.string('model')),
  });
  if (!read.partial && rule.expected_output_tokens === undefined) {
    defaults.fail('expected_output_tokens', 'is missing');
  }
  return rule;
}

function readIntentRules(read: PolicySections): RoutingPolicyOverride['intents'] {
  const intents = read.section('intents', INTENT_LABELS);
  if (!intents) return undefined;
  const rules: NonNullable<RoutingPolicyOverride['intents']> = {};
  for (const label of INTENT_LABELS) {
    if (read.partial && !intents.has(label)) continue;
    const reader = intents.child(label, RULE_KEYS);
    if (reader) rules[label] = read.rule(reader);
  }
  return rules;
}

function readBudget(read: PolicySections): RoutingPolicyOverride['budget'] {
  const budget = read.section('budget', ['downgrade_below', 'quality_relaxation']);
  if (!budget) return undefined;
  return defined({
    downgrade_below: read.get(budget, 'downgrade_below', () =>
      budget.number('downgrade_below', { min: 0, max: 1 }),
    ),
    quality_relaxation: read.get(budget, 'quality_relaxation', () =>
      budget.number('quality_relaxation', { min: 0, max: 1 }),
    ),
  });
}

function readExplicitModels(read: PolicySections): RoutingPolicyOverride['explicit_models'] {
  const explicit = read.section('explicit_models', ['allow_override', 'fallback_max_quality_drop']);
  if (!explicit) return undefined;
  return defined({
    allow_override: read.get(explicit, 'allow_override', () => explicit.boolean('allow_override')),
    fallback_max_quality_drop: read.get(explicit, 'fallback_max_quality_drop', () =>
      explicit.number('fallback_max_quality_drop', { min: 0, max: 1 }),
    ),
  });
}

function readSafety(read: PolicySections): RoutingPolicyOverride['safety_risk'] {
  const safety = read.section('safety_risk', ['action', 'model', 'min_confidence', 'message']);
  if (!safety) return undefined;
  return defined({
    action: read.get(safety, 'action', () => safety.oneOf<SafetyAction>('action', SAFETY_ACTIONS)),
    model: read.optional(safety, 'model', () => safety.string('model')),
    min_confidence: read.optional(safety, 'min_confidence', () =>
      safety.number('min_confidence', { min: 0, max: 1 }),
    ),
    message: read.optional(safety, 'message', () => safety.string('message')),
  });
}

function readFallbacks(read: PolicySections): RoutingPolicyOverride['fallbacks'] {
  const fallbacks = read.section('fallbacks', ['max', 'prefer_other_provider']);
  if (!fallbacks) return undefined;
  return defined({
    max: read.get(fallbacks, 'max', () => fallbacks.number('max', { min: 0, max: 10, integer: true })),
    prefer_other_provider: read.get(fallbacks, 'prefer_other_provider', () =>
      fallbacks.boolean('prefer_other_provider'),
    ),
  });
}

/** Fills the optional fields of a fully read policy. */
function completePolicy(read: RoutingPolicyOverride): RoutingPolicy {
  const defaults = read.default as DefaultRouteRule;
  const fill = (rule: Partial<RouteRule>): RouteRule => ({
    min_quality: rule.min_quality as number,
    preferred_tier: rule.preferred_tier as ModelTier,
    prefer: rule.prefer ?? [],
    expected_output_tokens: rule.expected_output_tokens ?? defaults.expected_output_tokens,
  });
  const intents = {} as Record<IntentLabel, RouteRule>;
  for (const label of INTENT_LABELS) intents[label] = fill(read.intents?.[label] ?? {});
  return {
    weights: read.weights as RoutingPolicy['weights'],
    default: { ...fill(defaults), model: defaults.model },
    intents,
    budget: { ...POLICY_DEFAULTS.budget, ...read.budget },
    explicit_models: { ...POLICY_DEFAULTS.explicit_models, ...read.explicit_models },
    safety_risk: {
      action: read.safety_risk?.action ?? 'refuse',
      model: read.safety_risk?.model ?? null,
      min_confidence: read.safety_risk?.min_confidence ?? null,
      message: read.safety_risk?.message ?? DEFAULT_REFUSAL_MESSAGE,
    },
    fallbacks: { ...POLICY_DEFAULTS.fallbacks, ...read.fallbacks },
    exclude_models: read.exclude_models ?? [],
  };
}

/**
 * Cross-checks a (merged) policy: every model it names exists in the catalog, weights are not
 * both zero, `route` names its model. Returns the problems (empty when valid).
 */
export function checkRoutingPolicy(policy: RoutingPolicy, catalog: ModelCatalog): string[] {
  const problems: string[] = [];
  const known = (name: string | null, where: string): void => {
    if (name !== null && !catalog.resolve(name))
      problems.push(`${where}: model '${name}' is not in the model catalog`);
  };
  // Exclusions may name any resolvable model (a pass-through name such as gpt-4-0613 included).
  const resolvable = (name: string, where: string): void => {
    if (!catalog.resolveRequest(name))
      problems.push(`${where}: model '${name}' is not in the model catalog and matches no model name form`);
  };
  if (policy.weights.cost + policy.weights.quality <= 0)
    problems.push('weights: cost and quality must not both be 0');
  known(policy.default.model, 'default.model');
  policy.default.prefer.forEach((name) => known(name, 'default.prefer'));
  for (const label of INTENT_LABELS)
    policy.intents[label].prefer.forEach((name) => known(name, `intents.${label}.prefer`));
  policy.exclude_models.forEach((name) => resolvable(name, 'exclude_models'));
  if (policy.safety_risk.action === 'route') {
    if (policy.safety_risk.model === null)
      problems.push('safety_risk: model is required when action is route');
    else known(policy.safety_risk.model, 'safety_risk.model');
  }
  const excluded = new Set(policy.exclude_models.map((name) => catalog.resolve(name)?.id));
  if (excluded.has(catalog.resolve(policy.default.model)?.id))
    problems.push('default.model: is listed in exclude_models');
  return problems;
}

/** Validates a parsed routing file against the catalog. Throws RoutingConfigError. */
export function parseRoutingPolicy(raw: unknown, file: string, catalog: ModelCatalog): RoutingPolicy {
  const problems: string[] = [];
  const read = readPolicy(raw, problems, false);
  if (problems.length > 0) throw new RoutingConfigError(file, problems);
  const policy = completePolicy(read);
  const referenceProblems = checkRoutingPolicy(policy, catalog);
  if (referenceProblems.length > 0) throw new RoutingConfigError(file, referenceProblems);
  return policy;
}

/** Validates a partial policy (e.g. a tenant override from the database or an admin API). */
export function parseRoutingPolicyOverride(raw: unknown, source: string): RoutingPolicyOverride {
  if (raw === null || raw === undefined || (isPlain(raw) && Object.keys(raw).length === 0)) return {};
  const problems: string[] = [];
  const read = readPolicy(raw, problems, true);
  if (problems.length > 0) throw new RoutingConfigError(source, problems);
  return read;
}

/**
 * The default routing policy (config/routing.yaml), validated at start-up against the
 * catalog. Provided by RoutingModule.
 */
export class RoutingPolicyService {
  constructor(
    readonly policy: RoutingPolicy,
    private readonly catalog: ModelCatalog,
  ) {}

  static load(file: string, catalog: ModelCatalog): RoutingPolicyService {
    return new RoutingPolicyService(parseRoutingPolicy(readYamlFile(file), file, catalog), catalog);
  }

  static fromYaml(
    text: string,
    catalog: ModelCatalog,
    file = '<inline routing policy>',
  ): RoutingPolicyService {
    return new RoutingPolicyService(parseRoutingPolicy(parseYaml(text, file), file, catalog), catalog);
  }

  /**
   * The default policy with an override applied and validated (throws RoutingConfigError).
   * Meant to run when a tenant policy changes, not per request.
   */
  withOverride(override: RoutingPolicyOverride | unknown, source = 'policy override'): RoutingPolicy {
    const parsed = parseRoutingPolicyOverride(override, source);
    const merged = mergeRoutingPolicy(this.policy, parsed);
    const problems = checkRoutingPolicy(merged, this.catalog);
    if (problems.length > 0) throw new RoutingConfigError(source, problems);
    return merged;
  }
}
