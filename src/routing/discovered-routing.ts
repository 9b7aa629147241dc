import { INTENT_LABELS } from '../common/intent-labels';
import type { IntentLabel } from '../common/intent-labels';
import type { ModelPricing } from '../common/pricing';
import { FieldReader, isPlain } from './config-reader';
import { globToRegExp, readPrice } from './model-resolver';
import { MODEL_TIERS } from './routing.types';
import type { ModelCapabilities, ModelSpec, ModelTier } from './routing.types';

/**
 * When a discovered (LiteLLM) model may be chosen by `model: "auto"`, pure part. Routing ranks a
 * model by its tier and per-intent quality, its price, its capabilities and its context window;
 * a discovered model becomes an auto-routing candidate only when all of them are known — from
 * the proxy's /model/info, a `discovered.rules` entry of config/models.yaml, or the catalog model
 * the proxy says it serves (`litellm_params.model`). Tier and quality are never guessed: they come
 * from a rule or from that catalog model. Models without the facts stay usable by name only, and
 * `autoRouting.reason` says what is missing.
 */

/** The capabilities /model/info can state, by the flag it states them with. */
const INFO_FLAGS: ReadonlyArray<[keyof ModelCapabilities, string]> = [
  ['vision', 'supports_vision'],
  ['tools', 'supports_function_calling'],
  ['json_mode', 'supports_response_schema'],
];
/** /model/info `mode` values a chat completion can be sent to (absent: assumed chat). */
const CHAT_MODES = ['chat', 'completion', 'responses'];

/** One `discovered.rules` entry: facts about the discovered models whose names match. */
export interface DiscoveredRule {
  /** Glob (`*` wildcard, case-insensitive) on `litellm/<id>`, `<id>` or `litellm_params.model`. */
  match: string;
  readonly pattern: RegExp;
  /** false: matching models stay explicit-only. */
  auto: boolean;
  /** Tier and quality per intent (given, or copied from the catalog model named by `like`). */
  tier: ModelTier | null;
  quality: Record<IntentLabel, number> | null;
  /** The catalog model `tier`/`quality` were copied from, for the routing reason. */
  like: string | null;
  /** Override /model/info (the operator's word wins). */
  capabilities: Partial<ModelCapabilities>;
  pricing: ModelPricing | null;
  context_window: number | null;
}

/** The `discovered` section of config/models.yaml. */
export interface DiscoveredRoutingConfig {
  /** A model whose `litellm_params.model` is a catalog model (or a dated snapshot of one) takes its tier and quality. */
  catalog_families: boolean;
  rules: DiscoveredRule[];
}

export const DEFAULT_DISCOVERED_ROUTING: DiscoveredRoutingConfig = { catalog_families: true, rules: [] };

/** Whether auto-routing may pick a discovered model, and why (shown by /v1/models and routing_reason). */
export type AutoRouting =
  | {
      candidate: true;
      /** Where tier, price, capabilities and context window come from. */
      basis: string;
      /** Capabilities nothing states: auto-routing treats them as absent. */
      unknownCapabilities: ReadonlyArray<keyof ModelCapabilities>;
    }
  | { candidate: false; reason: string };

const RULE_KEYS = ['match', 'auto', 'tier', 'quality', 'like', 'capabilities', 'pricing', 'context_window'];

function readQuality(rule: FieldReader): Record<IntentLabel, number> | undefined {
  const reader = rule.child('quality', [...INTENT_LABELS, 'default']);
  if (!reader) return undefined;
  const fallback = reader.optionalNumber('default', { min: 0, max: 1 });
  const quality: Partial<Record<IntentLabel, number>> = {};
  for (const label of INTENT_LABELS) {
    const value = reader.has(label) ? reader.number(label, { min: 0, max: 1 }) : fallback;
    if (value === undefined) {
      if (!reader.has(label) && !reader.has('default')) reader.fail(label, 'is missing (or give `default`)');
      return undefined;
    }
    quality[label] = value;
  }
  return quality as Record<IntentLabel, number>;
}

function readRuleCapabilities(rule: FieldReader): Partial<ModelCapabilities> {
  if (!rule.has('capabilities')) return {};
  const reader = rule.child('capabilities', ['vision', 'tools', 'json_mode', 'streaming']);
  const capabilities: Partial<ModelCapabilities> = {};
  for (const key of ['vision', 'tools', 'json_mode', 'streaming'] as const) {
    if (reader?.has(key)) {
      const value = reader.boolean(key);
      if (value !== undefined) capabilities[key] = value;
    }
  }
  return capabilities;
}

/** Tier and quality of a rule: given, or those of the catalog model named by `like` (not both), or none. */
function readStanding(
  rule: FieldReader,
  catalogModel: (name: string) => ModelSpec | undefined,
): Pick<DiscoveredRule, 'tier' | 'quality' | 'like'> | null {
  if (rule.has('like')) {
    const like = rule.string('like');
    const spec = like !== undefined ? catalogModel(like) : undefined;
    if (like !== undefined && !spec) rule.fail('like', `model '${like}' is not in the model catalog`);
    if (rule.has('tier') || rule.has('quality')) rule.fail('like', 'excludes tier and quality');
    return spec ? { tier: spec.tier, quality: { ...spec.quality }, like: spec.id } : null;
  }
  // Without them, the rule only adds facts: tier and quality come from the catalog model, if any.
  if (!rule.has('tier') && !rule.has('quality')) return { tier: null, quality: null, like: null };
  const tier = rule.oneOf<ModelTier>('tier', MODEL_TIERS);
  const quality = readQuality(rule);
  return tier !== undefined && quality ? { tier, quality, like: null } : null;
}

function readRule(
  value: unknown,
  index: number,
  problems: string[],
  catalogModel: (name: string) => ModelSpec | undefined,
): DiscoveredRule | null {
  const where =
    isPlain(value) && typeof value.match === 'string'
      ? `discovered.rules[${index}] '${value.match}'`
      : `discovered.rules[${index}]`;
  const start = problems.length;
  const rule = FieldReader.of(value, where, problems, RULE_KEYS);
  if (!rule) return null;
  const match = rule.string('match');
  const auto = rule.has('auto') ? (rule.boolean('auto') ?? true) : true;
  const standing = readStanding(rule, catalogModel);
  const capabilities = readRuleCapabilities(rule);
  const pricing = rule.has('pricing')
    ? readPrice(rule.child('pricing', ['input', 'output', 'cached_input']))
    : undefined;
  const window = rule.optionalNumber('context_window', { min: 1, integer: true });
  if (problems.length > start || match === undefined || !standing) return null;
  return {
    match,
    pattern: globToRegExp(match),
    auto,
    ...standing,
    capabilities,
    pricing: pricing ?? null,
    context_window: window ?? null,
  };
}

/** Reads models.yaml's optional `discovered` section; problems go into `problems`. */
export function readDiscoveredRouting(
  reader: FieldReader | null,
  problems: string[],
  catalogModel: (name: string) => ModelSpec | undefined,
): DiscoveredRoutingConfig {
  if (!reader) return structuredClone(DEFAULT_DISCOVERED_ROUTING);
  const families = reader.has('catalog_families') ? reader.boolean('catalog_families') : undefined;
  const rawRules = reader.has('rules') ? reader.raw('rules') : [];
  const rules: DiscoveredRule[] = [];
  if (!Array.isArray(rawRules)) problems.push('discovered: rules must be a list');
  else
    rawRules.forEach((value, index) => {
      const rule = readRule(value, index, problems, catalogModel);
      if (rule) rules.push(rule);
    });
  return { catalog_families: families ?? DEFAULT_DISCOVERED_ROUTING.catalog_families, rules };
}

/* ---------- qualification ---------- */

/** What discovery read about one model. */
export interface DiscoveredFacts {
  /** The id the proxy lists (`model_name`). */
  id: string;
  /** Its /model/info `model_info`, when the proxy exposes it. */
  info?: Record<string, unknown>;
  /** Its /model/info `litellm_params.model` (what the proxy really calls), when exposed. */
  underlying?: string;
}

/** The first rule whose glob matches `litellm/<id>`, `<id>` or the underlying model. */
export function ruleFor(
  facts: DiscoveredFacts,
  rules: readonly DiscoveredRule[],
): DiscoveredRule | undefined {
  const names = [`litellm/${facts.id}`, facts.id, ...(facts.underlying ? [facts.underlying] : [])];
  return rules.find((rule) => names.some((name) => rule.pattern.test(name)));
}

const SNAPSHOT_SUFFIX = /^(?:-\d{4}-\d{2}-\d{2}|-\d{8}|-\d{4}|-latest|@\d{8})$/;

/**
 * The catalog model the proxy's `litellm_params.model` names: exactly (`openai/gpt-4o-mini`,
 * `gpt-4o-mini`) or as a dated snapshot of it (`anthropic/claude-haiku-4-5-20251001`). No looser
 * prefix match: `gpt-4o-mini-tts` or `gpt-4o-audio-preview` are other models. A provider prefix
 * of ours (openai/, anthropic/, mistral/) must be the catalog model's provider.
 */
export function catalogModelOf(underlying: string, specs: readonly ModelSpec[]): ModelSpec | undefined {
  const slash = underlying.indexOf('/');
  const prefix = slash > 0 ? underlying.slice(0, slash).toLowerCase() : null;
  const name = (slash > 0 ? underlying.slice(slash + 1) : underlying).toLowerCase();
  let best: ModelSpec | undefined;
  let bestLength = 0;
  for (const spec of specs) {
    if (prefix !== null && spec.provider !== prefix && ['openai', 'anthropic', 'mistral'].includes(prefix))
      continue;
    for (const candidate of [spec.id, spec.upstream_id, ...spec.aliases]) {
      const key = candidate.toLowerCase().replace(/-latest$/, '');
      if (!name.startsWith(key) || key.length <= bestLength) continue;
      const rest = name.slice(key.length);
      if (rest === '' || SNAPSHOT_SUFFIX.test(rest)) {
        best = spec;
        bestLength = key.length;
      }
    }
  }
  return best;
}

function infoFlag(info: Record<string, unknown> | undefined, key: string): boolean | undefined {
  return typeof info?.[key] === 'boolean' ? (info[key] as boolean) : undefined;
}

function positive(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
}

/** Capabilities by source: rule, then /model/info, then the catalog model; unknown ones listed. */
function knownCapabilities(
  facts: DiscoveredFacts,
  rule: DiscoveredRule | undefined,
  family: ModelSpec | undefined,
): { capabilities: ModelCapabilities; unknown: Array<keyof ModelCapabilities>; sources: Set<string> } {
  const unknown: Array<keyof ModelCapabilities> = [];
  const sources = new Set<string>();
  const capabilities: ModelCapabilities = { vision: false, tools: false, json_mode: false, streaming: true };
  for (const [key, flag] of [...INFO_FLAGS, ['streaming', ''] as const]) {
    const fromRule = rule?.capabilities[key];
    const fromInfo = flag ? infoFlag(facts.info, flag) : undefined;
    const fromFamily = family?.capabilities[key];
    const value = fromRule ?? fromInfo ?? fromFamily;
    if (fromRule !== undefined) sources.add(`rule '${rule!.match}'`);
    else if (fromInfo !== undefined) sources.add('/model/info');
    else if (fromFamily !== undefined) sources.add(`catalog model ${family!.id}`);
    // LiteLLM streams from every chat model: streaming is assumed unless a rule says otherwise.
    if (value === undefined && key !== 'streaming') unknown.push(key);
    capabilities[key] = value ?? key === 'streaming';
  }
  return { capabilities, unknown, sources };
}

/** The facts routing ranks by, with their sources; null fields are unknown. */
export interface RoutingFacts {
  tier: ModelTier | null;
  quality: Record<IntentLabel, number> | null;
  standingSource: string | null;
  pricing: ModelPricing | null;
  pricingSource: string | null;
  pricingKind: 'list' | 'estimated';
  contextWindow: number | null;
  contextSource: string | null;
  capabilities: ModelCapabilities;
  unknownCapabilities: Array<keyof ModelCapabilities>;
  capabilitySources: string[];
}

/** Price in USD per 1M tokens from /model/info (USD per token), when it states both prices. */
export function infoPricing(info: Record<string, unknown> | undefined): ModelPricing | null {
  const per = (key: string): number | undefined => {
    const value = info?.[key];
    return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
  };
  const input = per('input_cost_per_token');
  const output = per('output_cost_per_token');
  if (input === undefined || output === undefined) return null;
  const cached = per('cache_read_input_token_cost');
  const round = (value: number): number => Math.round(value * 1e12) / 1e6;
  return {
    input: round(input),
    output: round(output),
    ...(cached !== undefined ? { cached_input: round(cached) } : {}),
  };
}

/** Gathers what is known about a discovered model, each fact with its source (rule > /model/info > catalog model). */
export function routingFacts(
  facts: DiscoveredFacts,
  config: DiscoveredRoutingConfig,
  specs: readonly ModelSpec[],
): RoutingFacts {
  const rule = ruleFor(facts, config.rules);
  const family =
    config.catalog_families && facts.underlying ? catalogModelOf(facts.underlying, specs) : undefined;
  const ruleName = rule ? `discovered rule '${rule.match}'` : '';
  const standing = rule?.tier && rule.quality ? rule : family;
  const standingSource = rule?.tier
    ? rule.like
      ? `${ruleName} (like ${rule.like})`
      : ruleName
    : family
      ? `catalog model ${family.id} (litellm_params.model ${facts.underlying})`
      : null;
  const fromInfo = infoPricing(facts.info);
  const pricing = rule?.pricing ?? fromInfo ?? (family ? { ...family.pricing } : null);
  const pricingSource = rule?.pricing
    ? `models.yaml ${ruleName}`
    : fromInfo
      ? 'litellm /model/info'
      : family
        ? `family ${family.id} (estimated)`
        : null;
  const infoWindow = positive(facts.info?.max_input_tokens);
  const contextWindow =
    rule?.context_window ?? (infoWindow ? Math.floor(infoWindow) : (family?.context_window ?? null));
  const contextSource = rule?.context_window
    ? ruleName
    : infoWindow
      ? '/model/info'
      : family
        ? `catalog model ${family.id}`
        : null;
  const caps = knownCapabilities(facts, rule, family);
  return {
    tier: standing?.tier ?? null,
    quality: standing?.quality ? { ...standing.quality } : null,
    standingSource,
    pricing,
    pricingSource,
    pricingKind: !rule?.pricing && !fromInfo ? 'estimated' : 'list',
    contextWindow,
    contextSource,
    capabilities: caps.capabilities,
    unknownCapabilities: caps.unknown,
    capabilitySources: [...caps.sources],
  };
}

/** Whether auto-routing may pick the model: every fact it ranks by must be known. */
export function qualify(
  facts: DiscoveredFacts,
  known: RoutingFacts,
  config: DiscoveredRoutingConfig,
): AutoRouting {
  const rule = ruleFor(facts, config.rules);
  if (rule && !rule.auto)
    return { candidate: false, reason: `explicit only: discovered rule '${rule.match}' sets auto: false` };
  const mode = facts.info?.mode;
  if (typeof mode === 'string' && !CHAT_MODES.includes(mode))
    return { candidate: false, reason: `explicit only: /model/info mode '${mode}' is not a chat model` };
  const missing: string[] = [];
  if (!known.tier || !known.quality)
    missing.push(
      'no tier/quality (no discovered rule in models.yaml matches it and its litellm_params.model is no catalog model)',
    );
  if (!known.pricing) missing.push('no price (none in /model/info, a discovered rule or its catalog model)');
  if (!known.contextWindow)
    missing.push(
      'no context window (no max_input_tokens in /model/info, none in a discovered rule or its catalog model)',
    );
  if (missing.length > 0) return { candidate: false, reason: `explicit only: ${missing.join('; ')}` };
  const unknown = known.unknownCapabilities;
  const basis = [
    `tier ${known.tier} from ${known.standingSource}`,
    `price from ${known.pricingSource}`,
    `context window from ${known.contextSource}`,
    `capabilities from ${known.capabilitySources.join(', ') || 'nothing'}${
      unknown.length > 0 ? ` (${unknown.join(', ')} unknown: not offered)` : ''
    }`,
  ].join('; ');
  return { candidate: true, basis, unknownCapabilities: [...unknown] };
}
