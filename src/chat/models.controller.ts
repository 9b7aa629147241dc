import { Controller, Get, Inject, Param, UseInterceptors } from '@nestjs/common';
import { HttpTelemetryInterceptor } from '../telemetry/http-telemetry.interceptor';
import { ErrorCode, GatewayError } from '../common/errors';
import { PROVIDER_EXECUTOR, PROVIDERS_WITHOUT_EMBEDDINGS } from '../providers/provider.types';
import type { ProviderExecutor } from '../providers/provider.types';
import { ModelCatalog } from '../routing/model-catalog';
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
  tier?: string;
  aliases?: string[];
  description?: string;
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

function toEntry(spec: ModelSpec): ModelEntry {
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
    tier: spec.tier,
    aliases: spec.aliases,
  };
}

/** GET /v1/models: every model that can be served now (provider configured), plus the routing aliases. */
@Controller('v1/models')
@UseInterceptors(HttpTelemetryInterceptor)
export class ModelsController {
  constructor(
    private readonly catalog: ModelCatalog,
    @Inject(PROVIDER_EXECUTOR) private readonly executor: ProviderExecutor,
  ) {}

  @Get()
  list(): { object: 'list'; data: ModelEntry[] } {
    return { object: 'list', data: this.entries() };
  }

  @Get(':id')
  retrieve(@Param('id') id: string): ModelEntry {
    const entry = this.entries().find((item) => item.id === id || item.aliases?.includes(id));
    if (!entry)
      throw new GatewayError(
        ErrorCode.ModelNotFound,
        `The model '${id}' does not exist or is not available.`,
        { param: 'model' },
      );
    return entry;
  }

  private entries(): ModelEntry[] {
    const routing: ModelEntry[] = this.catalog.autoAliases().map((alias) => ({
      id: alias,
      object: 'model',
      created: CATALOG_CREATED,
      owned_by: 'modelmuxer',
      description: 'The router picks the model from the request intent, cost and budget.',
    }));
    const served = this.catalog
      .list()
      .filter((spec) => this.executor.isProviderConfigured(spec.provider))
      .map(toEntry);
    const embedding = this.catalog
      .embeddingModels()
      .filter((spec) => this.executor.isProviderConfigured(spec.provider))
      .map(toEmbeddingEntry);
    return [...routing, ...served, ...embedding];
  }
}
