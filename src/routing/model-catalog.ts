import { INTENT_LABELS } from '../common/intent-labels';
import type { IntentLabel } from '../common/intent-labels';
import { PROVIDER_KEYS } from '../common/provider-keys';
import type { ProviderKey } from '../common/provider-keys';
import { PROVIDERS_WITHOUT_EMBEDDINGS } from '../providers/provider.types';
import { FieldReader, isPlain, parseYaml, readYamlFile, RoutingConfigError } from './config-reader';
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
}

export interface CatalogDocument {
  auto_aliases: string[];
  models: ModelSpec[];
  /** Optional in the file; empty when absent. */
  embedding_models?: EmbeddingModelSpec[];
}

const TOP_KEYS = ['auto_aliases', 'models', 'embedding_models'] as const;
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

  const pricingReader = model.child('pricing', PRICING_KEYS);
  const pricing = pricingReader && {
    input: pricingReader.number('input', { min: 0 }),
    output: pricingReader.number('output', { min: 0 }),
    cached_input: pricingReader.optionalNumber('cached_input', { min: 0 }),
  };

  const capabilityReader = model.child('capabilities', CAPABILITY_KEYS);
  const capabilities = capabilityReader && {
    vision: capabilityReader.boolean('vision'),
    tools: capabilityReader.boolean('tools'),
    json_mode: capabilityReader.boolean('json_mode'),
    streaming: capabilityReader.boolean('streaming'),
  };

  const qualityReader = model.child('quality', INTENT_LABELS);
  const quality: Partial<Record<IntentLabel, number>> = {};
  if (qualityReader) {
    for (const intent of INTENT_LABELS) quality[intent] = qualityReader.number(intent, { min: 0, max: 1 });
  }

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
  return { auto_aliases: autoAliases, models, embedding_models: embeddingModels };
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
    this.catalogEntries = Object.freeze(
      specs.map((spec) => {
        const target = Object.freeze({
          provider: spec.provider,
          model: spec.id,
          upstreamModel: spec.upstream_id,
        });
        const entry: CatalogEntry = Object.freeze({
          spec,
          target,
          planned: Object.freeze({ ...target, spec, maxOutputTokens: spec.max_output_tokens }),
          tierRank: TIER_RANK[spec.tier],
          generalQuality:
            GENERAL_LABELS.reduce((sum, label) => sum + spec.quality[label], 0) / GENERAL_LABELS.length,
          maxInputTokens: Math.min(spec.max_input_tokens ?? spec.context_window, spec.context_window),
          outputFactor: spec.expected_output_factor ?? 1,
        });
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

  /** A model by id or alias (case-insensitive); undefined for unknown names and routing aliases. */
  resolve(idOrAlias: string): ModelSpec | undefined {
    return this.byName.get(idOrAlias.toLowerCase())?.spec;
  }

  /** A decision's target with its catalog entry; undefined when the catalog does not know it. */
  planned(target: RouteTarget): PlannedTarget | undefined {
    return this.byName.get(target.model.toLowerCase())?.planned;
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
