import { Controller, Get, Inject, Param } from '@nestjs/common';
import { ErrorCode, GatewayError } from '../common/errors';
import { PROVIDER_EXECUTOR, PROVIDERS_WITHOUT_EMBEDDINGS } from '../providers/provider.types';
import type { ProviderExecutor } from '../providers/provider.types';
import { ModelCatalog } from '../routing/model-catalog';
import type { AutoRouting } from '../routing/discovered-routing';
import type { CatalogEntry, ModelResolution } from '../routing/model-catalog';
import { unknownModelMessage } from '../routing/model-resolver';
import type { PricingKind, ResolutionKind } from '../routing/model-resolver';
import type { EmbeddingModelSpec, ModelSpec } from '../routing/routing.types';

export interface ModelEntry {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
  /** ModelMuxer extras. */
  /** `chat` for /v1/chat/completions, `embedding` for /v1/embeddings. */
  type?: 'chat' | 'embedding';
  /**
   * `embeddings`: served by /v1/embeddings (false for every chat model). `embeddings_api`: whether
   * the model's provider has an embeddings API at all (Anthropic has none).
   */
  capabilities?: Partial<ModelSpec['capabilities']> & { embeddings: boolean; embeddings_api: boolean };
  dimensions?: number;
  shortenable?: boolean;
  max_input_tokens?: number;
  context_window?: number;
  max_output_tokens?: number;
  pricing?: { input_per_1m_usd: number; output_per_1m_usd: number; cached_input_per_1m_usd?: number };
  /** `list` (catalog or provider price) or `estimated` (family or fallback price). */
  pricing_kind?: PricingKind;
  /** Where the price comes from: "catalog", "family gpt-4o (estimated)", "litellm /model/info", ... */
  pricing_source?: string;
  tier?: string;
  aliases?: string[];
  description?: string;
  /** GET /v1/models/{id} for a name outside the catalog: what it resolves to, and how. */
  resolved_to?: string;
  resolution?: ResolutionKind;
  resolution_note?: string;
  /**
   * Discovered (LiteLLM) models: whether `model: "auto"` may pick it, and why — where its tier,
   * price, capabilities and context window come from, or which of them is unknown.
   */
  auto_routing?: { candidate: boolean; reason: string; unknown_capabilities?: string[] };
}

/** A fixed timestamp: the catalog has no creation dates, and a stable value keeps clients' caches happy. */
const CATALOG_CREATED = 1_735_689_600; // 2025-01-01T00:00:00Z

function toEmbeddingEntry(spec: EmbeddingModelSpec): ModelEntry {
  return {
    id: spec.id,
    object: 'model',
    created: CATALOG_CREATED,
    owned_by: spec.provider,
    type: 'embedding',
    capabilities: { embeddings: true, embeddings_api: true },
    dimensions: spec.dimensions,
    shortenable: spec.shortenable,
    max_input_tokens: spec.max_input_tokens,
    pricing: { input_per_1m_usd: spec.pricing.input, output_per_1m_usd: 0 },
    aliases: spec.aliases,
  };
}

function toEntry(entry: CatalogEntry, aliases: string[] = entry.spec.aliases): ModelEntry {
  const spec = entry.spec;
  return {
    id: spec.id,
    object: 'model',
    created: CATALOG_CREATED,
    owned_by: spec.provider,
    type: 'chat',
    capabilities: {
      ...spec.capabilities,
      embeddings: false,
      embeddings_api: !PROVIDERS_WITHOUT_EMBEDDINGS.includes(spec.provider),
    },
    context_window: spec.context_window,
    max_output_tokens: spec.max_output_tokens,
    pricing: {
      input_per_1m_usd: spec.pricing.input,
      output_per_1m_usd: spec.pricing.output,
      ...(spec.pricing.cached_input !== undefined
        ? { cached_input_per_1m_usd: spec.pricing.cached_input }
        : {}),
    },
    pricing_kind: entry.pricingKind,
    pricing_source: entry.pricingSource,
    // A discovered model's tier is shown only when known (models.yaml or its catalog model).
    ...(entry.autoRouting?.candidate === false ? {} : { tier: spec.tier }),
    aliases,
    ...(entry.autoRouting ? { auto_routing: autoRoutingOf(entry.autoRouting) } : {}),
  };
}

function autoRoutingOf(auto: AutoRouting): NonNullable<ModelEntry['auto_routing']> {
  if (!auto.candidate) return { candidate: false, reason: auto.reason };
  return {
    candidate: true,
    reason: auto.basis,
    ...(auto.unknownCapabilities.length > 0 ? { unknown_capabilities: [...auto.unknownCapabilities] } : {}),
  };
}

/**
 * GET /v1/models: every model that can be served now (provider configured): the routing
 * aliases, the catalog, models discovered from LiteLLM and legacy names passed through at their
 * list price. GET /v1/models/{id} answers for every name a request may use (catalog ids and
 * aliases, `provider/model`, provider name patterns, legacy names, discovered models).
 */
@Controller('v1/models')
export class ModelsController {
  constructor(
    private readonly catalog: ModelCatalog,
    @Inject(PROVIDER_EXECUTOR) private readonly executor: ProviderExecutor,
  ) {}

  @Get()
  list(): { object: 'list'; data: ModelEntry[] } {
    return { object: 'list', data: this.entries() };
  }

  /** `*id`: names may contain slashes (`openai/gpt-4o-2024-08-06`, `litellm/org/model`). */
  @Get('*id')
  retrieve(@Param('id') raw: string | string[]): ModelEntry {
    const id = Array.isArray(raw) ? raw.join('/') : raw;
    const routing = this.routingAliases().find((item) => item.id.toLowerCase() === id.toLowerCase());
    if (routing) return routing;
    const resolution = this.catalog.resolveRequest(id);
    if (!resolution || !this.executor.isProviderConfigured(resolution.entry.spec.provider)) {
      throw new GatewayError(
        ErrorCode.ModelNotFound,
        resolution
          ? `The model '${id}' is not available: provider ${resolution.entry.spec.provider} is not configured.`
          : unknownModelMessage(id),
        { param: 'model' },
      );
    }
    const entry = toEntry(resolution.entry);
    if (resolution.kind === 'catalog') return entry;
    return {
      ...entry,
      id,
      resolved_to: resolution.entry.spec.id,
      resolution: resolution.kind,
      ...(resolution.note ? { resolution_note: resolution.note } : {}),
    };
  }

  private routingAliases(): ModelEntry[] {
    return this.catalog.autoAliases().map((alias) => ({
      id: alias,
      object: 'model',
      created: CATALOG_CREATED,
      owned_by: 'modelmuxer',
      description: 'The router picks the model from the request intent, cost and budget.',
    }));
  }

  private entries(): ModelEntry[] {
    const configured = (entry: CatalogEntry) => this.executor.isProviderConfigured(entry.spec.provider);
    const served = this.catalog
      .entries()
      .filter(configured)
      .map((entry) => toEntry(entry));
    const discovered = this.catalog
      .discoveredList()
      .filter(configured)
      .map((entry) => toEntry(entry, this.catalog.bareDiscoveredNames(entry)));
    const legacy = this.catalog
      .compatibility()
      .legacy.filter((rule) => rule.pass_through !== null && !rule.match.includes('*'))
      .map((rule) => this.catalog.resolveRequest(rule.match))
      .filter((resolution): resolution is ModelResolution => resolution !== null)
      .filter((resolution) => configured(resolution.entry))
      .map((resolution) => ({
        ...toEntry(resolution.entry, [resolution.entry.spec.upstream_id]),
        description: resolution.note ?? undefined,
      }));
    const embedding = this.catalog
      .embeddingModels()
      .filter((spec) => this.executor.isProviderConfigured(spec.provider))
      .map(toEmbeddingEntry);
    return [...this.routingAliases(), ...served, ...discovered, ...legacy, ...embedding];
  }
}
