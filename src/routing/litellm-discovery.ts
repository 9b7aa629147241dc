import type { ModelCatalog } from './model-catalog';
import { syntheticModel } from './model-resolver';
import type { SyntheticModel, UnknownModelDefaults } from './model-resolver';
import type { ModelSpec } from './routing.types';
import { DEFAULT_DISCOVERED_ROUTING, qualify, routingFacts } from './discovered-routing';
import type { AutoRouting, DiscoveredFacts, DiscoveredRoutingConfig } from './discovered-routing';

/**
 * LiteLLM model discovery, pure part: turns the proxy's `GET /v1/models` and (when the proxy
 * exposes it) `GET /model/info` answers into catalog entries `litellm/<id>`. A model with a price
 * in /model/info (or a `discovered` rule of models.yaml) is billed at it (`list`); one without is
 * priced like its catalog family or at the LiteLLM fallback price (`estimated`). Whether `auto`
 * may pick it is decided by discovered-routing.ts.
 */

interface ModelInfoRow {
  model_name?: unknown;
  litellm_params?: { model?: unknown } | null;
  model_info?: Record<string, unknown> | null;
}

/** A discovered model, with whether auto-routing may pick it (discovered-routing.ts). */
export interface DiscoveredModel extends SyntheticModel {
  autoRouting: AutoRouting;
}

function positive(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
}

/** The ids of an OpenAI-style `/v1/models` answer (`{ data: [{ id }] }`); invalid rows are skipped. */
export function readModelIds(body: unknown): string[] {
  const data = (body as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) throw new Error('LiteLLM /v1/models: no `data` list in the answer');
  const ids: string[] = [];
  for (const row of data) {
    const id = (row as { id?: unknown } | null)?.id;
    if (typeof id === 'string' && id.trim() !== '' && id.length <= 200 && !ids.includes(id.trim()))
      ids.push(id.trim());
  }
  return ids;
}

/**
 * `/model/info` rows by model_name, with the model the proxy really calls (`litellm_params.model`);
 * the first row of each name wins (LiteLLM lists one per deployment).
 */
export function readModelInfo(body: unknown): Map<string, Omit<DiscoveredFacts, 'id'>> {
  const data = (body as { data?: unknown } | null)?.data;
  const info = new Map<string, Omit<DiscoveredFacts, 'id'>>();
  if (!Array.isArray(data)) return info;
  for (const row of data as ModelInfoRow[]) {
    if (typeof row?.model_name !== 'string' || !row.model_info || typeof row.model_info !== 'object')
      continue;
    if (info.has(row.model_name)) continue;
    const underlying = row.litellm_params?.model;
    info.set(row.model_name, {
      info: row.model_info,
      ...(typeof underlying === 'string' && underlying.trim() !== '' && underlying.length <= 200
        ? { underlying: underlying.trim() }
        : {}),
    });
  }
  return info;
}

/**
 * One discovered model: what is known of it (rule of models.yaml, /model/info, the catalog model
 * it serves) over its name family's (or the fallback) defaults, and whether auto-routing may pick it.
 */
export function discoveredModel(
  facts: DiscoveredFacts,
  specs: readonly ModelSpec[],
  unknown: UnknownModelDefaults,
  config: DiscoveredRoutingConfig = DEFAULT_DISCOVERED_ROUTING,
): DiscoveredModel {
  const base = syntheticModel('litellm', facts.id, specs, unknown);
  const known = routingFacts(facts, config, specs);
  const autoRouting = qualify(facts, known, config);
  const spec: ModelSpec = structuredClone(base.spec);
  if (known.pricing) spec.pricing = known.pricing;
  if (known.contextWindow !== null) {
    spec.context_window = known.contextWindow;
    delete spec.max_input_tokens;
  }
  const maxOutput = positive(facts.info?.max_output_tokens) ?? positive(facts.info?.max_tokens);
  if (maxOutput !== undefined) spec.max_output_tokens = Math.floor(maxOutput);
  spec.max_output_tokens = Math.min(spec.max_output_tokens, spec.context_window);
  // By name, a capability nothing states is left to the upstream (the family's or the fallback's).
  for (const key of ['vision', 'tools', 'json_mode', 'streaming'] as const)
    if (!known.unknownCapabilities.includes(key)) spec.capabilities[key] = known.capabilities[key];
  if (known.tier && known.quality) {
    spec.tier = known.tier;
    spec.quality = known.quality;
  }
  return {
    spec,
    pricingKind: known.pricing ? known.pricingKind : base.pricingKind,
    pricingSource: known.pricingSource ?? base.pricingSource,
    autoRouting,
  };
}

/** The discovered models of a proxy, ready for ModelCatalog.setDiscovered(). */
export function discoveredModels(
  ids: readonly string[],
  info: ReadonlyMap<string, Omit<DiscoveredFacts, 'id'>>,
  catalog: ModelCatalog,
): DiscoveredModel[] {
  const unknown = catalog.compatibility().unknown_models;
  const config = catalog.discoveredRouting();
  return ids.map((id) => discoveredModel({ id, ...info.get(id) }, catalog.list(), unknown, config));
}
