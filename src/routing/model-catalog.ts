import { INTENT_LABELS } from '../common/intent-labels';
import type { IntentLabel } from '../common/intent-labels';
import { PROVIDER_KEYS } from '../common/provider-keys';
import type { ProviderKey } from '../common/provider-keys';
import { PROVIDERS_WITHOUT_EMBEDDINGS } from '../providers/provider.types';
import { FieldReader, isPlain, parseYaml, readYamlFile, RoutingConfigError } from './config-reader';
import {
  legacyModel,
  legacyRuleFor,
  providerByPattern,
  readCompatibility,
  splitProviderPrefix,
  syntheticModel,
} from './model-resolver';
import type { CompatibilityConfig, PricingKind, ResolutionKind, SyntheticModel } from './model-resolver';
import type { ModelPricing } from '../common/pricing';
import { DEFAULT_DISCOVERED_ROUTING, readDiscoveredRouting } from './discovered-routing';
import type { AutoRouting, DiscoveredRoutingConfig } from './discovered-routing';
import { MODEL_TIERS } from './routing.types';
import type { EmbeddingModelSpec, ModelSpec, ModelTier, PlannedTarget, RouteTarget } from './routing.types';

/**
 * Capability ladder used by "one tier safer" / "one tier cheaper". `reasoning` models sit at
 * the top with `premium`: both are the most capable (and most expensive) classes.
 */
export const TIER_RANK: Readonly<Record<ModelTier, number>> = {
  economy: 0,
  standard: 1,
  premium: 2,
  reasoning: 2,
};
export const TOP_TIER_RANK = 2;

/** Names that always mean "let the router decide", in addition to the file's `auto_aliases`. */
export const BUILT_IN_AUTO_ALIASES = ['auto'] as const;

/** Labels averaged into a model's general quality (used when no intent label applies). */
const GENERAL_LABELS: readonly IntentLabel[] = INTENT_LABELS.filter((label) => label !== 'safety_risk');

/** A catalog model with everything the decision needs precomputed once at load. */
export interface CatalogEntry {
  readonly spec: ModelSpec;
  /** Reused for every decision and availability check (no allocation per request). */
  readonly target: RouteTarget;
  /** The same target with its spec and limits, as routing plans carry it. */
  readonly planned: PlannedTarget;
  readonly tierRank: number;
  /** Mean quality over the non-safety labels: the measure for unclassified requests. */
  readonly generalQuality: number;
  /** max_input_tokens when declared, else the context window. */
  readonly maxInputTokens: number;
  readonly outputFactor: number;
  /** `list` for catalog and provider prices; `estimated` for a family or fallback price. */
  readonly pricingKind: PricingKind;
  /** Where the price comes from ("catalog", "family gpt-4o (estimated)", "litellm /model/info"...). */
  readonly pricingSource: string;
  /** What budgets reserve against: the price, or an upper bound of it when it is estimated. */
  readonly reservePricing: ModelPricing;
  /**
   * Not a models.yaml entry (pass-through or discovered): checked against the tenant allow-list,
   * never an equivalent of another model, and an auto-routing candidate only when `autoRouting` says so.
   */
  readonly dynamic: boolean;
  /** Discovered models only: whether `auto` may pick it, and why (discovered-routing.ts). */
  readonly autoRouting?: AutoRouting;
}

/** A requested name, resolved: the entry to route to, and how the name led there. */
export interface ModelResolution {
  entry: CatalogEntry;
  kind: ResolutionKind;
  /** For routing_reason: how the name was resolved (null for a plain catalog id or alias). */
  note: string | null;
}

export interface CatalogDocument {
  auto_aliases: string[];
  models: ModelSpec[];
  compatibility?: CompatibilityConfig;
  /** Optional in the file; empty when absent. */
  embedding_models?: EmbeddingModelSpec[];
  /** Which discovered (LiteLLM) models auto-routing may pick; defaults when absent. */
  discovered?: DiscoveredRoutingConfig;
}

const TOP_KEYS = ['auto_aliases', 'models', 'compatibility', 'embedding_models', 'discovered'] as const;
const EMBEDDING_KEYS = [
  'id',
  'provider',
  'upstream_id',
  'aliases',
  'pricing',
  'dimensions',
  'shortenable',
  'max_input_tokens',
  'notes',
] as const;

function readEmbeddingModel(value: unknown, index: number, problems: string[]): EmbeddingModelSpec | null {
  const label =
    isPlain(value) && typeof value.id === 'string'
      ? `embedding model '${value.id}' (embedding_models[${index}])`
      : `embedding_models[${index}]`;
  const start = problems.length;
  const model = FieldReader.of(value, label, problems, EMBEDDING_KEYS);
  if (!model) return null;
  const id = model.string('id');
  const provider = model.oneOf<ProviderKey>('provider', PROVIDER_KEYS);
  if (provider !== undefined && PROVIDERS_WITHOUT_EMBEDDINGS.includes(provider)) {
    model.fail('provider', `${provider} has no embeddings API`);
  }
  const upstreamId = model.optionalString('upstream_id') ?? id;
  const aliases = model.has('aliases') ? model.stringList('aliases') : [];
  const dimensions = model.number('dimensions', { min: 1, max: 65_536, integer: true });
  const shortenable = model.has('shortenable') ? model.boolean('shortenable') : false;
  const maxInput = model.number('max_input_tokens', { min: 1, integer: true });
  if (model.has('notes')) model.string('notes');
  const pricingReader = model.child('pricing', ['input']);
  const input = pricingReader?.number('input', { min: 0 });
  if (problems.length > start) return null;
  return {
    id: id as string,
    provider: provider as ProviderKey,
    upstream_id: upstreamId as string,
    aliases: aliases as string[],
    pricing: { input: input as number },
    dimensions: dimensions as number,
    shortenable: shortenable as boolean,
    max_input_tokens: maxInput as number,
  };
}
const MODEL_KEYS = [
  'id',
  'provider',
  'upstream_id',
  'aliases',
  'tier',
  'pricing',
  'context_window',
  'max_input_tokens',
  'max_output_tokens',
  'capabilities',
  'quality',
  'expected_output_factor',
  'notes',
] as const;
const PRICING_KEYS = ['input', 'output', 'cached_input'] as const;
const CAPABILITY_KEYS = ['vision', 'tools', 'json_mode', 'streaming'] as const;

function readPricing(model: FieldReader) {
  const reader = model.child('pricing', PRICING_KEYS);
  return (
    reader && {
      input: reader.number('input', { min: 0 }),
      output: reader.number('output', { min: 0 }),
      cached_input: reader.optionalNumber('cached_input', { min: 0 }),
    }
  );
}

function readCapabilities(model: FieldReader) {
  const reader = model.child('capabilities', CAPABILITY_KEYS);
  return (
    reader && {
      vision: reader.boolean('vision'),
      tools: reader.boolean('tools'),
      json_mode: reader.boolean('json_mode'),
      streaming: reader.boolean('streaming'),
    }
  );
}

function readQuality(model: FieldReader): Partial<Record<IntentLabel, number>> {
  const reader = model.child('quality', INTENT_LABELS);
  const quality: Partial<Record<IntentLabel, number>> = {};
  if (reader) for (const intent of INTENT_LABELS) quality[intent] = reader.number(intent, { min: 0, max: 1 });
  return quality;
}

function readModel(value: unknown, index: number, problems: string[]): ModelSpec | null {
  const label =
    isPlain(value) && typeof value.id === 'string'
      ? `model '${value.id}' (models[${index}])`
      : `models[${index}]`;
  const start = problems.length;
  const model = FieldReader.of(value, label, problems, MODEL_KEYS);
  if (!model) return null;

  const id = model.string('id');
  const provider = model.oneOf<ProviderKey>('provider', PROVIDER_KEYS);
  const upstreamId = model.optionalString('upstream_id') ?? id;
  const aliases = model.has('aliases') ? model.stringList('aliases') : [];
  const tier = model.oneOf<ModelTier>('tier', MODEL_TIERS);
  const contextWindow = model.number('context_window', { min: 1, integer: true });
  const maxInput = model.optionalNumber('max_input_tokens', { min: 1, integer: true });
  const maxOutput = model.number('max_output_tokens', { min: 1, integer: true });
  const outputFactor = model.optionalNumber('expected_output_factor', { min: 1, max: 20 });
  if (contextWindow !== undefined && maxOutput !== undefined && maxOutput > contextWindow) {
    model.fail('max_output_tokens', `must not exceed context_window (${maxOutput} > ${contextWindow})`);
  }
  if (contextWindow !== undefined && maxInput !== undefined && maxInput > contextWindow) {
    model.fail('max_input_tokens', `must not exceed context_window (${maxInput} > ${contextWindow})`);
  }
  if (model.has('notes')) model.string('notes');

  const pricing = readPricing(model);
  const capabilities = readCapabilities(model);
  const quality = readQuality(model);

  if (problems.length > start) return null;
  const spec: ModelSpec = {
    id: id as string,
    provider: provider as ProviderKey,
    upstream_id: upstreamId as string,
    aliases: aliases as string[],
    pricing: {
      input: pricing!.input as number,
      output: pricing!.output as number,
      ...(pricing!.cached_input !== undefined ? { cached_input: pricing!.cached_input } : {}),
    },
    context_window: contextWindow as number,
    max_output_tokens: maxOutput as number,
    capabilities: capabilities as ModelSpec['capabilities'],
    quality: quality as Record<IntentLabel, number>,
    tier: tier as ModelTier,
    ...(maxInput !== undefined ? { max_input_tokens: maxInput } : {}),
    ...(outputFactor !== undefined ? { expected_output_factor: outputFactor } : {}),
  };
  return spec;
}

/** The optional `discovered` section (its `like` names a chat model of the file). */
function readDiscoveredSection(
  top: FieldReader,
  models: readonly ModelSpec[],
  problems: string[],
): DiscoveredRoutingConfig {
  const byName = new Map(
    models.flatMap((spec) => [spec.id, ...spec.aliases].map((name) => [name.toLowerCase(), spec])),
  );
  return readDiscoveredRouting(
    top.has('discovered') ? top.child('discovered', ['catalog_families', 'rules']) : null,
    problems,
    (name) => byName.get(name.toLowerCase()),
  );
}

/**
 * Validates a parsed models file. Throws RoutingConfigError listing every problem (unknown
 * provider, negative price, missing field, quality outside 0..1, duplicate id or alias...).
 */
export function parseModelCatalog(raw: unknown, file: string): CatalogDocument {
  const problems: string[] = [];
  const top = FieldReader.of(raw, 'top level', problems, TOP_KEYS);
  if (!top) throw new RoutingConfigError(file, problems);
  const autoAliases = top.has('auto_aliases') ? (top.stringList('auto_aliases') ?? []) : [];
  const rawModels = top.raw('models');
  const models: ModelSpec[] = [];
  if (!Array.isArray(rawModels) || rawModels.length === 0) {
    problems.push('top level: models must be a non-empty list of models');
  } else {
    rawModels.forEach((value, index) => {
      const spec = readModel(value, index, problems);
      if (spec) models.push(spec);
    });
  }

  // One namespace for ids, aliases and routing aliases, case-insensitive (clients vary case).
  const owners = new Map<string, string>();
  for (const alias of [...BUILT_IN_AUTO_ALIASES, ...autoAliases])
    owners.set(alias.toLowerCase(), 'auto_aliases');
  for (const spec of models) {
    for (const name of [spec.id, ...spec.aliases]) {
      const key = name.toLowerCase();
      const owner = owners.get(key);
      if (owner === undefined) owners.set(key, `model '${spec.id}'`);
      else
        problems.push(
          `model '${spec.id}': ${name === spec.id ? 'id' : `alias '${name}'`} duplicates a name of ${owner}`,
        );
    }
  }
  const compatibility = readCompatibility(
    top.has('compatibility') ? top.child('compatibility', ['unknown_models', 'legacy']) : null,
    problems,
    (name) => owners.has(name.toLowerCase()) && owners.get(name.toLowerCase()) !== 'auto_aliases',
  );
  const discovered = readDiscoveredSection(top, models, problems);
  const rawEmbedding = top.has('embedding_models') ? top.raw('embedding_models') : [];
  const embeddingModels: EmbeddingModelSpec[] = [];
  if (!Array.isArray(rawEmbedding)) {
    problems.push('top level: embedding_models must be a list of embedding models');
  } else {
    rawEmbedding.forEach((value, index) => {
      const spec = readEmbeddingModel(value, index, problems);
      if (spec) embeddingModels.push(spec);
    });
  }
  for (const spec of embeddingModels) {
    for (const name of [spec.id, ...spec.aliases]) {
      const key = name.toLowerCase();
      const owner = owners.get(key);
      if (owner === undefined) owners.set(key, `embedding model '${spec.id}'`);
      else
        problems.push(
          `embedding model '${spec.id}': ${name === spec.id ? 'id' : `alias '${name}'`} duplicates a name of ${owner}`,
        );
    }
  }
  if (problems.length > 0) throw new RoutingConfigError(file, problems);
  return { auto_aliases: autoAliases, models, compatibility, embedding_models: embeddingModels, discovered };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * The validated model catalog (config/models.yaml), loaded once at start-up with its lookup
 * indexes. Read-only afterwards: every lookup is a Map get, nothing is parsed per request.
 */
export class ModelCatalog {
  private readonly specs: readonly ModelSpec[];
  private readonly catalogEntries: readonly CatalogEntry[];
  private readonly byName = new Map<string, CatalogEntry>();
  private readonly providers = new Map<ProviderKey, ModelSpec[]>();
  private readonly autoNames: ReadonlySet<string>;
  private readonly compat: CompatibilityConfig;
  /** Discovered models (LiteLLM): by `litellm/<id>` and, when unambiguous, the bare id. */
  private discovered = new Map<string, CatalogEntry>();
  private discoveredEntries: readonly CatalogEntry[] = [];
  /** The catalog, then the discovered models auto-routing may pick (swapped whole on each discovery). */
  private autoCandidates: readonly CatalogEntry[];
  private readonly discoveredConfig: DiscoveredRoutingConfig;
  /** Pass-through resolutions by requested name, and their entries by id (bounded: names are client input). */
  private readonly resolved = new Map<string, ModelResolution>();
  private readonly dynamicById = new Map<string, CatalogEntry>();
  private static readonly MAX_RESOLVED = 4096;
  private readonly embeddingSpecs: readonly EmbeddingModelSpec[];
  private readonly embeddingByName = new Map<string, EmbeddingModelSpec>();

  constructor(document: CatalogDocument) {
    this.embeddingSpecs = Object.freeze(
      (document.embedding_models ?? []).map((spec) => deepFreeze(structuredClone(spec))),
    );
    for (const spec of this.embeddingSpecs) {
      for (const name of [spec.id, ...spec.aliases]) this.embeddingByName.set(name.toLowerCase(), spec);
    }
    const specs = document.models.map((spec) => deepFreeze(structuredClone(spec)));
    this.specs = Object.freeze(specs);
    this.compat = document.compatibility ?? readCompatibility(null, [], () => false);
    this.catalogEntries = Object.freeze(
      specs.map((spec) => {
        const entry = this.makeEntry(spec, 'list', 'catalog', false);
        for (const name of [spec.id, ...spec.aliases]) this.byName.set(name.toLowerCase(), entry);
        const list = this.providers.get(spec.provider) ?? [];
        list.push(spec);
        this.providers.set(spec.provider, list);
        return entry;
      }),
    );
    this.autoNames = new Set(
      [...BUILT_IN_AUTO_ALIASES, ...document.auto_aliases].map((name) => name.toLowerCase()),
    );
    this.autoCandidates = this.catalogEntries;
    this.discoveredConfig = deepFreeze(document.discovered ?? structuredClone(DEFAULT_DISCOVERED_ROUTING));
  }

  private makeEntry(
    spec: ModelSpec,
    pricingKind: PricingKind,
    pricingSource: string,
    dynamic: boolean,
    passThrough = false,
    autoRouting?: AutoRouting,
  ): CatalogEntry {
    const target = Object.freeze({
      provider: spec.provider,
      model: spec.id,
      upstreamModel: spec.upstream_id,
      ...(passThrough ? { metricModel: `${spec.provider}/pass-through` } : {}),
    });
    const multiplier = pricingKind === 'estimated' ? this.compat.unknown_models.reserve_multiplier : 1;
    const reservePricing: ModelPricing = Object.freeze({
      input: spec.pricing.input * multiplier,
      output: spec.pricing.output * multiplier,
    });
    return Object.freeze({
      spec,
      target,
      planned: Object.freeze({
        ...target,
        spec,
        maxOutputTokens: spec.max_output_tokens,
        pricingKind,
        pricingSource,
        reservePricing,
      }),
      tierRank: TIER_RANK[spec.tier],
      generalQuality:
        GENERAL_LABELS.reduce((sum, label) => sum + spec.quality[label], 0) / GENERAL_LABELS.length,
      maxInputTokens: Math.min(spec.max_input_tokens ?? spec.context_window, spec.context_window),
      outputFactor: spec.expected_output_factor ?? 1,
      pricingKind,
      pricingSource,
      reservePricing,
      dynamic,
      ...(autoRouting ? { autoRouting: deepFreeze(autoRouting) } : {}),
    });
  }

  /** The `compatibility` section of models.yaml (legacy names, prices of unknown models). */
  compatibility(): CompatibilityConfig {
    return this.compat;
  }

  /**
   * Replaces the discovered models (LiteLLM's /v1/models). Each is reachable as `litellm/<id>`,
   * and by its bare id when no catalog name, routing alias or other discovered model has it.
   */
  setDiscovered(models: ReadonlyArray<SyntheticModel & { autoRouting?: AutoRouting }>): void {
    const next = new Map<string, CatalogEntry>();
    const entries: CatalogEntry[] = [];
    const bareCount = new Map<string, number>();
    for (const model of models) {
      const bare = model.spec.upstream_id.toLowerCase();
      bareCount.set(bare, (bareCount.get(bare) ?? 0) + 1);
    }
    for (const model of models) {
      const spec = deepFreeze(structuredClone(model.spec));
      const entry = this.makeEntry(
        spec,
        model.pricingKind,
        model.pricingSource,
        true,
        false,
        model.autoRouting,
      );
      if (next.has(spec.id.toLowerCase())) continue;
      entries.push(entry);
      next.set(spec.id.toLowerCase(), entry);
      const bare = spec.upstream_id.toLowerCase();
      if (bareCount.get(bare) === 1 && !this.byName.has(bare) && !this.autoNames.has(bare))
        next.set(bare, entry);
    }
    this.discovered = next;
    this.discoveredEntries = Object.freeze(entries);
    const auto = entries.filter((entry) => entry.autoRouting?.candidate === true);
    this.autoCandidates =
      auto.length > 0 ? Object.freeze([...this.catalogEntries, ...auto]) : this.catalogEntries;
    this.resolved.clear();
    this.dynamicById.clear();
  }

  /** Discovered models (GET /v1/models lists them after the catalog). */
  discoveredList(): readonly CatalogEntry[] {
    return this.discoveredEntries;
  }

  /** The bare names under which discovered models are reachable. */
  bareDiscoveredNames(entry: CatalogEntry): string[] {
    const bare = entry.spec.upstream_id.toLowerCase();
    return this.discovered.get(bare) === entry ? [entry.spec.upstream_id] : [];
  }

  /**
   * Resolves a requested model name, in order: catalog id or alias; discovered model; `provider/model`
   * (a catalog model of that provider, else passed through); legacy names (successor or pass-through);
   * provider name patterns (passed through). Null for names that match nothing (and routing aliases).
   */
  resolveRequest(requested: string): ModelResolution | null {
    const name = requested.trim();
    const key = name.toLowerCase();
    const own = this.byName.get(key);
    if (own) return { entry: own, kind: 'catalog', note: null };
    const memo = this.resolved.get(name);
    if (memo) return memo;
    const resolution = this.resolveUncached(name);
    if (resolution && resolution.entry.dynamic && resolution.kind !== 'discovered') {
      if (this.resolved.size >= ModelCatalog.MAX_RESOLVED) {
        this.resolved.clear();
        this.dynamicById.clear();
      }
      this.resolved.set(name, resolution);
      this.dynamicById.set(resolution.entry.spec.id, resolution.entry);
    }
    return resolution;
  }

  private resolveUncached(name: string): ModelResolution | null {
    const key = name.toLowerCase();
    const found = this.discovered.get(key);
    if (found)
      return {
        entry: found,
        kind: 'discovered',
        note: `${name} is served by the LiteLLM proxy (discovered); price from ${found.pricingSource}`,
      };
    const prefixed = splitProviderPrefix(name);
    if (prefixed) {
      const { provider, model } = prefixed;
      const inCatalog = this.byName.get(model.toLowerCase());
      if (inCatalog && inCatalog.spec.provider === provider)
        return {
          entry: inCatalog,
          kind: 'provider_prefix',
          note: `${name} is catalog model ${inCatalog.spec.id}`,
        };
      const legacy = legacyRuleFor(model, this.compat.legacy);
      const synthetic =
        legacy?.pass_through && providerByPattern(model)?.provider === provider
          ? legacyModel(provider, model, legacy)
          : syntheticModel(provider, model, this.specs, this.compat.unknown_models);
      return {
        entry: this.dynamicEntry(synthetic),
        kind: 'provider_prefix',
        note: `${name} passed through to ${provider} as '${model}'; price: ${synthetic.pricingSource}`,
      };
    }
    const legacy = legacyRuleFor(name, this.compat.legacy);
    if (legacy) {
      if (legacy.successor !== null) {
        const successor = this.byName.get(legacy.successor.toLowerCase())!;
        return {
          entry: successor,
          kind: 'legacy_successor',
          note: `${name} is a legacy name (${legacy.note}), mapped to its successor ${successor.spec.id}`,
        };
      }
      const provider = providerByPattern(name)?.provider ?? 'openai';
      const synthetic = legacyModel(provider, name, legacy);
      return {
        entry: this.dynamicEntry(synthetic),
        kind: 'legacy_pass_through',
        note: `${name} is a legacy name (${legacy.note}), passed through to ${provider}; price: ${synthetic.pricingSource}`,
      };
    }
    const byPattern = providerByPattern(name);
    if (byPattern) {
      const synthetic = syntheticModel(byPattern.provider, name, this.specs, this.compat.unknown_models);
      return {
        entry: this.dynamicEntry(synthetic),
        kind: 'pattern',
        note: `${name} matches ${byPattern.label} → ${byPattern.provider}, passed through; price: ${synthetic.pricingSource}`,
      };
    }
    return null;
  }

  private dynamicEntry(model: SyntheticModel): CatalogEntry {
    return this.makeEntry(deepFreeze(model.spec), model.pricingKind, model.pricingSource, true, true);
  }

  /** Loads and validates a models file; throws RoutingConfigError naming the file, model and field. */
  static load(file: string): ModelCatalog {
    return new ModelCatalog(parseModelCatalog(readYamlFile(file), file));
  }

  static fromYaml(text: string, file = '<inline models>'): ModelCatalog {
    return new ModelCatalog(parseModelCatalog(parseYaml(text, file), file));
  }

  /** Every model, in file order (what GET /v1/models lists). */
  list(): readonly ModelSpec[] {
    return this.specs;
  }

  /** The decision's view: models with precomputed values, in file order. */
  entries(): readonly CatalogEntry[] {
    return this.catalogEntries;
  }

  /**
   * What `auto` chooses from: the catalog, then the discovered models whose tier, price,
   * capabilities and context window are known (discovered-routing.ts).
   */
  autoEntries(): readonly CatalogEntry[] {
    return this.autoCandidates;
  }

  /** The `discovered` section of models.yaml (which discovered models auto-routing may pick). */
  discoveredRouting(): DiscoveredRoutingConfig {
    return this.discoveredConfig;
  }

  /** A model by id or alias (case-insensitive); undefined for unknown names and routing aliases. */
  resolve(idOrAlias: string): ModelSpec | undefined {
    return this.byName.get(idOrAlias.toLowerCase())?.spec;
  }

  /** A decision's target with its catalog entry; undefined when the catalog does not know it. */
  planned(target: RouteTarget): PlannedTarget | undefined {
    return (
      this.byName.get(target.model.toLowerCase())?.planned ??
      this.discovered.get(target.model.toLowerCase())?.planned ??
      this.dynamicById.get(target.model)?.planned ??
      this.resolveRequest(target.model)?.entry.planned
    );
  }

  entry(idOrAlias: string): CatalogEntry | undefined {
    return this.byName.get(idOrAlias.toLowerCase());
  }

  /** True when the name asks the router to decide: omitted, empty, "auto" or a configured alias. */
  isAuto(name: string | null | undefined): boolean {
    if (name === undefined || name === null) return true;
    const trimmed = name.trim();
    return trimmed === '' || this.autoNames.has(trimmed.toLowerCase());
  }

  /** The routing aliases ("auto" first), e.g. for GET /v1/models. */
  autoAliases(): string[] {
    return [...this.autoNames];
  }

  /** Every embedding model, in file order. */
  embeddingModels(): readonly EmbeddingModelSpec[] {
    return this.embeddingSpecs;
  }

  /** An embedding model by id or alias (case-insensitive). */
  resolveEmbedding(idOrAlias: string): EmbeddingModelSpec | undefined {
    return this.embeddingByName.get(idOrAlias.toLowerCase());
  }

  byProvider(provider: ProviderKey): readonly ModelSpec[] {
    return this.providers.get(provider) ?? [];
  }
}
