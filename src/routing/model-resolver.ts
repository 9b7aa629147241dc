import { INTENT_LABELS } from '../common/intent-labels';
import type { IntentLabel } from '../common/intent-labels';
import type { ModelPricing } from '../common/pricing';
import { PROVIDER_KEYS } from '../common/provider-keys';
import type { ProviderKey } from '../common/provider-keys';
import { FieldReader } from './config-reader';
import type { ModelSpec } from './routing.types';

/**
 * Model-name resolution beyond the catalog: `provider/model`, well-known provider name patterns,
 * legacy names (passed through or mapped to a successor) and the prices of models the catalog
 * does not list. Pure: no I/O; the catalog calls it with its own lookups (model-catalog.ts).
 */

/** How a requested name was resolved. */
export type ResolutionKind =
  'catalog' | 'provider_prefix' | 'legacy_successor' | 'legacy_pass_through' | 'pattern' | 'discovered';

/** `list`: a price from the catalog or the provider; `estimated`: a family or fallback price. */
export type PricingKind = 'list' | 'estimated';

/** A legacy name: mapped to a catalog successor, or passed through with its own (list) price. */
export interface LegacyRule {
  /** Exact name or a glob with `*` (case-insensitive), e.g. `claude-2*`. */
  match: string;
  /** Catalog id or alias the name is mapped to (for models the provider retired). */
  successor: string | null;
  /** For names the provider still serves: passed through at this price and these limits. */
  pass_through: { pricing: ModelPricing; context_window: number; max_output_tokens: number } | null;
  /** Why (retirement date, source): shown in routing_reason. */
  note: string;
  /** Compiled from `match`. */
  readonly pattern: RegExp;
}

export interface UnknownModelDefaults {
  /** USD per 1M tokens, per provider: the price of a name with no catalog family. */
  fallback_pricing: Record<ProviderKey, ModelPricing>;
  /** Limits assumed for a name with no catalog family (the upstream enforces the real ones). */
  context_window: number;
  max_output_tokens: number;
  /** Budgets reserve estimated prices at this multiple: an upper bound of what the call may cost. */
  reserve_multiplier: number;
}

export interface CompatibilityConfig {
  unknown_models: UnknownModelDefaults;
  legacy: LegacyRule[];
}

/** Used when models.yaml has no `compatibility` section (and for what it leaves out). */
export const DEFAULT_UNKNOWN_MODELS: UnknownModelDefaults = {
  fallback_pricing: {
    openai: { input: 5, output: 30 },
    anthropic: { input: 5, output: 25 },
    mistral: { input: 2, output: 6 },
    litellm: { input: 5, output: 30 },
  },
  context_window: 128_000,
  max_output_tokens: 32_768,
  reserve_multiplier: 2,
};

/** Well-known name patterns of each provider (checked after the catalog, prefixes and legacy names). */
export const PROVIDER_NAME_PATTERNS: ReadonlyArray<{
  provider: ProviderKey;
  pattern: RegExp;
  label: string;
}> = [
  { provider: 'openai', pattern: /^(gpt-|chatgpt-|ft:)/i, label: 'gpt-* / chatgpt-* / ft:*' },
  { provider: 'openai', pattern: /^o[134](?:$|-)/i, label: 'o1* / o3* / o4*' },
  { provider: 'anthropic', pattern: /^claude-/i, label: 'claude-*' },
  {
    provider: 'mistral',
    pattern: /^(mistral-|codestral-|ministral-|pixtral-|open-|magistral-|devstral-)/i,
    label: 'mistral-* / codestral-* / ministral-* / pixtral-* / open-* / magistral-* / devstral-*',
  },
];

export const PROVIDER_PREFIXES: readonly ProviderKey[] = PROVIDER_KEYS;

/** What a client is told when a name resolves to nothing. */
export function unknownModelMessage(name: string): string {
  return (
    `The model \`${name}\` does not exist or you do not have access to it. Name a model as: ` +
    `a catalog id or alias (GET /v1/models lists them); \`provider/model\` ` +
    `(${PROVIDER_PREFIXES.map((p) => `${p}/`).join(', ')}) to pass a name through to that provider; ` +
    `a provider's own model name (gpt-*, o1*/o3*/o4*, chatgpt-*, ft:*, claude-*, mistral-*, codestral-*, ` +
    `ministral-*, pixtral-*, open-*); or \`auto\` to let the router choose.`
  );
}

export function globToRegExp(glob: string): RegExp {
  const body = glob
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 'i');
}

/** Reads models.yaml's optional `compatibility` section; problems go into `problems`. */
export function readCompatibility(
  reader: FieldReader | null,
  problems: string[],
  knownModel: (name: string) => boolean,
): CompatibilityConfig {
  const unknown: UnknownModelDefaults = structuredClone(DEFAULT_UNKNOWN_MODELS);
  const legacy: LegacyRule[] = [];
  if (!reader) return { unknown_models: unknown, legacy };
  if (reader.has('unknown_models')) readUnknownModels(reader, unknown);
  const rawLegacy = reader.has('legacy') ? reader.raw('legacy') : [];
  if (!Array.isArray(rawLegacy)) {
    problems.push('compatibility: legacy must be a list');
  } else {
    rawLegacy.forEach((value, index) => {
      const rule = readLegacyRule(value, index, problems, knownModel);
      if (rule) legacy.push(rule);
    });
  }
  return { unknown_models: unknown, legacy };
}

/** `compatibility.unknown_models`: fallback prices per provider, limits, the reservation multiplier. */
function readUnknownModels(reader: FieldReader, unknown: UnknownModelDefaults): void {
  const section = reader.child('unknown_models', [
    'fallback_pricing',
    'context_window',
    'max_output_tokens',
    'reserve_multiplier',
  ]);
  if (!section) return;
  if (section.has('fallback_pricing')) {
    const prices = section.child('fallback_pricing', PROVIDER_KEYS);
    for (const provider of PROVIDER_KEYS) {
      if (!prices?.has(provider)) continue;
      const price = readPrice(prices.child(provider, ['input', 'output', 'cached_input']));
      if (price) unknown.fallback_pricing[provider] = price;
    }
  }
  const window = section.optionalNumber('context_window', { min: 1, integer: true });
  const output = section.optionalNumber('max_output_tokens', { min: 1, integer: true });
  const multiplier = section.optionalNumber('reserve_multiplier', { min: 1, max: 100 });
  if (window !== undefined) unknown.context_window = window;
  if (output !== undefined) unknown.max_output_tokens = output;
  if (multiplier !== undefined) unknown.reserve_multiplier = multiplier;
  if (unknown.max_output_tokens > unknown.context_window)
    section.fail('max_output_tokens', 'must not exceed context_window');
}

/** A price block (input, output, optional cached_input, USD per 1M tokens); undefined when invalid. */
export function readPrice(
  price: FieldReader | null | undefined,
): { input: number; output: number; cached_input?: number } | undefined {
  const input = price?.number('input', { min: 0 });
  const output = price?.number('output', { min: 0 });
  const cached = price?.optionalNumber('cached_input', { min: 0 });
  if (input === undefined || output === undefined) return undefined;
  return { input, output, ...(cached !== undefined ? { cached_input: cached } : {}) };
}

/** One `compatibility.legacy` rule: a name pattern mapped to a successor or passed through. */
function readLegacyRule(
  value: unknown,
  index: number,
  problems: string[],
  knownModel: (name: string) => boolean,
): LegacyRule | null {
  const rule = FieldReader.of(value, `compatibility.legacy[${index}]`, problems, [
    'match',
    'successor',
    'pass_through',
    'note',
  ]);
  if (!rule) return null;
  const match = rule.string('match');
  const note = rule.string('note');
  const successor = rule.optionalString('successor') ?? null;
  let passThrough: LegacyRule['pass_through'] = null;
  if (rule.has('pass_through')) {
    const pt = rule.child('pass_through', ['pricing', 'context_window', 'max_output_tokens']);
    const pricing = readPrice(pt?.child('pricing', ['input', 'output', 'cached_input']));
    const window = pt?.number('context_window', { min: 1, integer: true });
    const maxOut = pt?.number('max_output_tokens', { min: 1, integer: true });
    if (pricing && window !== undefined && maxOut !== undefined)
      passThrough = { pricing, context_window: window, max_output_tokens: Math.min(maxOut, window) };
  }
  if ((successor === null) === (passThrough === null)) {
    rule.fail('successor', 'exactly one of successor and pass_through is required');
    return null;
  }
  if (successor !== null && !knownModel(successor)) {
    rule.fail('successor', `model '${successor}' is not in the model catalog`);
    return null;
  }
  if (match === undefined || note === undefined) return null;
  return { match, successor, pass_through: passThrough, note, pattern: globToRegExp(match) };
}

/* ---------- synthetic specs for names the catalog does not list ---------- */

/** A model the catalog does not list, described well enough to route, bill and reserve. */
export interface SyntheticModel {
  spec: ModelSpec;
  pricingKind: PricingKind;
  /** Where the price comes from, e.g. "catalog", "family gpt-4o (estimated)", "fallback openai (estimated)". */
  pricingSource: string;
}

const NEUTRAL_QUALITY = Object.fromEntries(INTENT_LABELS.map((label) => [label, 0.8])) as Record<
  IntentLabel,
  number
>;

/**
 * The catalog model whose id (or alias) is the longest prefix of `name` at a word boundary
 * (`gpt-4o-2024-08-06` → gpt-4o, `ft:gpt-4o-mini:org::id` → gpt-4o-mini), same provider.
 */
export function familyOf(
  name: string,
  provider: ProviderKey,
  specs: readonly ModelSpec[],
): ModelSpec | undefined {
  const base = name.replace(/^ft:/i, '').split(':')[0].toLowerCase();
  let best: ModelSpec | undefined;
  let bestLength = 0;
  for (const spec of specs) {
    // A LiteLLM proxy serves other providers' models: any catalog family prices it.
    if (provider !== 'litellm' && spec.provider !== provider) continue;
    for (const candidate of [spec.id, spec.upstream_id, ...spec.aliases]) {
      const key = candidate.toLowerCase().replace(/-latest$/, '');
      const boundary = base.length === key.length || base[key.length] === '-' || base[key.length] === '.';
      if (base.startsWith(key) && boundary && key.length > bestLength) {
        best = spec;
        bestLength = key.length;
      }
    }
  }
  return best;
}

/** A pass-through model: family limits and price when a catalog family matches, else the fallback. */
export function syntheticModel(
  provider: ProviderKey,
  upstream: string,
  specs: readonly ModelSpec[],
  unknown: UnknownModelDefaults,
): SyntheticModel {
  const id = `${provider}/${upstream}`;
  const family = familyOf(upstream, provider, specs);
  if (family) {
    return {
      spec: {
        ...structuredClone(family),
        id,
        provider,
        upstream_id: upstream,
        aliases: [],
      },
      pricingKind: 'estimated',
      pricingSource: `family ${family.id} (estimated)`,
    };
  }
  return {
    spec: {
      id,
      provider,
      upstream_id: upstream,
      aliases: [],
      pricing: { ...unknown.fallback_pricing[provider] },
      context_window: unknown.context_window,
      max_output_tokens: unknown.max_output_tokens,
      capabilities: { vision: true, tools: true, json_mode: true, streaming: true },
      quality: { ...NEUTRAL_QUALITY },
      tier: 'standard',
    },
    pricingKind: 'estimated',
    pricingSource: `fallback ${provider} (estimated)`,
  };
}

/** A legacy name the provider still serves, at its list price. */
export function legacyModel(provider: ProviderKey, upstream: string, rule: LegacyRule): SyntheticModel {
  const pt = rule.pass_through!;
  return {
    spec: {
      id: `${provider}/${upstream}`,
      provider,
      upstream_id: upstream,
      aliases: [],
      pricing: { ...pt.pricing },
      context_window: pt.context_window,
      max_output_tokens: pt.max_output_tokens,
      capabilities: { vision: false, tools: true, json_mode: true, streaming: true },
      quality: { ...NEUTRAL_QUALITY },
      tier: 'standard',
    },
    pricingKind: 'list',
    pricingSource: `legacy list price (compatibility.legacy '${rule.match}')`,
  };
}

/** The provider a bare name belongs to by its shape, if any. */
export function providerByPattern(name: string): { provider: ProviderKey; label: string } | null {
  for (const rule of PROVIDER_NAME_PATTERNS) if (rule.pattern.test(name)) return rule;
  return null;
}

/** `provider/model` split at the first slash, when the prefix is a provider key. */
export function splitProviderPrefix(name: string): { provider: ProviderKey; model: string } | null {
  const slash = name.indexOf('/');
  if (slash <= 0 || slash === name.length - 1) return null;
  const prefix = name.slice(0, slash).toLowerCase();
  if (!(PROVIDER_KEYS as readonly string[]).includes(prefix)) return null;
  return { provider: prefix as ProviderKey, model: name.slice(slash + 1) };
}

export function legacyRuleFor(name: string, rules: readonly LegacyRule[]): LegacyRule | undefined {
  return rules.find((rule) => rule.pattern.test(name));
}
