import type { ModelCatalog } from './model-catalog';
import { syntheticModel } from './model-resolver';
import type { SyntheticModel, UnknownModelDefaults } from './model-resolver';
import type { ModelSpec } from './routing.types';

/**
 * LiteLLM model discovery, pure part: turns the proxy's `GET /v1/models` and (when the proxy
 * exposes it) `GET /model/info` answers into catalog entries `litellm/<id>`. A model with a price
 * in /model/info is billed at it (`list`); one without is priced like its catalog family or at
 * the LiteLLM fallback price (`estimated`).
 */

interface ModelInfoRow {
  model_name?: unknown;
  model_info?: Record<string, unknown> | null;
}

function positive(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
}

function nonNegative(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
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

/** `/model/info` rows by model_name (first row of each name wins: LiteLLM lists one per deployment). */
export function readModelInfo(body: unknown): Map<string, Record<string, unknown>> {
  const data = (body as { data?: unknown } | null)?.data;
  const info = new Map<string, Record<string, unknown>>();
  if (!Array.isArray(data)) return info;
  for (const row of data as ModelInfoRow[]) {
    if (typeof row?.model_name !== 'string' || !row.model_info || typeof row.model_info !== 'object')
      continue;
    if (!info.has(row.model_name)) info.set(row.model_name, row.model_info);
  }
  return info;
}

/** One discovered model: its /model/info facts over its family's (or the fallback) defaults. */
export function discoveredModel(
  id: string,
  info: Record<string, unknown> | undefined,
  specs: readonly ModelSpec[],
  unknown: UnknownModelDefaults,
): SyntheticModel {
  const base = syntheticModel('litellm', id, specs, unknown);
  if (!info) return base;
  const spec: ModelSpec = structuredClone(base.spec);
  const input = nonNegative(info.input_cost_per_token);
  const output = nonNegative(info.output_cost_per_token);
  const priced = input !== undefined && output !== undefined;
  if (priced) {
    const cached = nonNegative(info.cache_read_input_token_cost);
    spec.pricing = {
      input: round(input * 1e6),
      output: round(output * 1e6),
      ...(cached !== undefined ? { cached_input: round(cached * 1e6) } : {}),
    };
  }
  const maxInput = positive(info.max_input_tokens);
  const maxOutput = positive(info.max_output_tokens) ?? positive(info.max_tokens);
  if (maxInput !== undefined) {
    spec.context_window = Math.floor(maxInput);
    delete spec.max_input_tokens;
  }
  if (maxOutput !== undefined) spec.max_output_tokens = Math.floor(maxOutput);
  spec.max_output_tokens = Math.min(spec.max_output_tokens, spec.context_window);
  const flag = (key: string, current: boolean): boolean =>
    typeof info[key] === 'boolean' ? (info[key] as boolean) : current;
  spec.capabilities = {
    vision: flag('supports_vision', spec.capabilities.vision),
    tools: flag('supports_function_calling', spec.capabilities.tools),
    json_mode: flag('supports_response_schema', spec.capabilities.json_mode),
    streaming: spec.capabilities.streaming,
  };
  return {
    spec,
    pricingKind: priced ? 'list' : base.pricingKind,
    pricingSource: priced ? 'litellm /model/info' : base.pricingSource,
  };
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

/** The discovered models of a proxy, ready for ModelCatalog.setDiscovered(). */
export function discoveredModels(
  ids: readonly string[],
  info: ReadonlyMap<string, Record<string, unknown>>,
  catalog: ModelCatalog,
): SyntheticModel[] {
  const unknown = catalog.compatibility().unknown_models;
  return ids.map((id) => discoveredModel(id, info.get(id), catalog.list(), unknown));
}
