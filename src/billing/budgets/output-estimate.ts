import { costNanoUsd, type ModelPricing } from '../../common/pricing';

/**
 * Right-sized reservations (issue 16 part 5): how many output tokens a request without max_tokens
 * reserves, and how a stream's output is counted against what was reserved. Pure; the state is
 * small fixed-size rings in memory (no database round trip on the hot path).
 */

/** Completions remembered per (tenant, model): the p99 of the last this many. */
export const OUTPUT_SAMPLE_WINDOW = 200;
/** Fewer samples than this: the estimate is not trusted (the model's, then the cap, stand in). */
export const OUTPUT_MIN_SAMPLES = 20;
/** The quantile reserved. */
export const OUTPUT_QUANTILE = 0.99;
/** (tenant, model) pairs kept (least recently observed dropped first). */
export const OUTPUT_MAX_KEYS = 10_000;
/**
 * Streamed output is counted with o200k per delta, plus this share: providers with other
 * tokenizers (Anthropic, Mistral) count up to ~20-30 % more for the same text, and a provider's
 * count is what it bills.
 */
export const STREAM_COUNT_MARGIN = 0.3;

/** A ring of the last OUTPUT_SAMPLE_WINDOW completion sizes and its cached p99. */
export class OutputSamples {
  private readonly values = new Uint32Array(OUTPUT_SAMPLE_WINDOW);
  private next = 0;
  private count = 0;
  private cached: number | null = null;

  add(tokens: number): void {
    if (!Number.isFinite(tokens) || tokens < 0) return;
    this.values[this.next] = Math.min(0xffffffff, Math.ceil(tokens));
    this.next = (this.next + 1) % OUTPUT_SAMPLE_WINDOW;
    if (this.count < OUTPUT_SAMPLE_WINDOW) this.count++;
    this.cached = null;
  }

  get size(): number {
    return this.count;
  }

  /** The nearest-rank OUTPUT_QUANTILE of the window (recomputed only after a new sample). */
  quantile(): number | null {
    const q = OUTPUT_QUANTILE;
    if (this.count === 0) return null;
    if (this.cached !== null) return this.cached;
    const sorted = this.values.slice(0, this.count).sort();
    this.cached = sorted[Math.min(this.count - 1, Math.max(0, Math.ceil(q * this.count) - 1))];
    return this.cached;
  }
}

/**
 * The samples of every (tenant, model) pair and of every model (all tenants: the estimate of a
 * tenant new to a model), bounded to OUTPUT_MAX_KEYS pairs.
 */
export class OutputEstimates {
  private readonly byPair = new Map<string, OutputSamples>();
  private readonly byModel = new Map<string, OutputSamples>();

  constructor(private readonly maxKeys = OUTPUT_MAX_KEYS) {}

  /**
   * One completion of `tokens` output tokens per choice. A completion cut short by its cap or by
   * the budget (`truncated`) needed more than it got: it counts double, so that the p99 grows
   * when more than 1 % of answers hit their reservation.
   */
  observe(tenantId: string, model: string, tokens: number, truncated: boolean): void {
    const value = truncated ? tokens * 2 : tokens;
    samplesOf(this.byModel, model, this.maxKeys).add(value);
    samplesOf(this.byPair, `${tenantId}\u0000${model}`, this.maxKeys).add(value);
  }

  /** The observed p99 (per choice) for the tenant on this model, else the model's; null: unknown. */
  p99(tenantId: string, model: string): number | null {
    const pair = this.byPair.get(`${tenantId}\u0000${model}`);
    if (pair && pair.size >= OUTPUT_MIN_SAMPLES) return pair.quantile();
    const all = this.byModel.get(model);
    if (all && all.size >= OUTPUT_MIN_SAMPLES) return all.quantile();
    return null;
  }
}

function samplesOf(map: Map<string, OutputSamples>, key: string, maxKeys: number): OutputSamples {
  let samples = map.get(key);
  if (samples) {
    // Most recently observed last (Map order), so the oldest key is the first.
    map.delete(key);
  } else {
    samples = new OutputSamples();
    if (map.size >= maxKeys) map.delete(map.keys().next().value as string);
  }
  map.set(key, samples);
  return samples;
}

/**
 * Output tokens (per choice) to reserve for a request without max_tokens: the observed p99
 * within [floor, cap]; the cap until enough completions were seen; never above the model's
 * own ceiling.
 */
export function reservedOutputTokens(
  p99: number | null,
  bounds: { floor: number; cap: number },
  modelMaxOutput: number,
): number {
  const estimate = p99 === null ? bounds.cap : Math.min(bounds.cap, Math.max(bounds.floor, p99));
  return Math.max(1, Math.min(modelMaxOutput, Math.ceil(estimate)));
}

/** A streamed delta's tokens as counted against the reservation (o200k plus the margin). */
export function countedStreamTokens(o200kTokens: number): number {
  return Math.ceil(o200kTokens * (1 + STREAM_COUNT_MARGIN));
}

/**
 * How many more output tokens (all choices) a stream asks for when it reaches its allowance:
 * another reservation's worth, never past the model's ceiling. 0: it cannot grow.
 */
export function streamExtensionTokens(allowance: number, step: number, ceiling: number): number {
  return Math.max(0, Math.min(step, ceiling - allowance));
}

/** A fallback target is reserved for at least this share of the primary's output estimate. */
export const FALLBACK_OUTPUT_SHARE = 0.25;

/** What a reservation prices a target by (structurally a routing PlannedTarget). */
export interface ReservedTarget {
  reservePricing: ModelPricing;
  maxOutputTokens: number;
}

/**
 * The most the request may cost on any target of its chain: the prompt's upper bound plus
 * `outputTokensPerChoice` (null: the model's ceiling) per choice, at the reserve price.
 */
export function worstCaseCostNano(
  targets: readonly ReservedTarget[],
  promptTokens: number,
  outputTokensPerChoice: number | null,
  choices: number,
): number {
  let max = 0;
  for (const target of targets) {
    const output = Math.min(outputTokensPerChoice ?? target.maxOutputTokens, target.maxOutputTokens);
    const cost = costNanoUsd(target.reservePricing, { promptTokens, completionTokens: output * choices });
    if (cost > max) max = cost;
  }
  return max;
}

/**
 * What a request without max_tokens reserves: its output estimate per choice at the primary
 * target (what answers unless it fails), and on each fallback at least FALLBACK_OUTPUT_SHARE of
 * it (a pricier fallback is then capped at what the reservation covers: outputTokensCovered).
 */
export function rightSizedCostNano(
  chain: readonly ReservedTarget[],
  promptTokens: number,
  perChoice: number,
  choices: number,
): number {
  let cost = worstCaseCostNano(chain.slice(0, 1), promptTokens, perChoice, choices);
  const fallbackShare = Math.max(1, Math.ceil(perChoice * FALLBACK_OUTPUT_SHARE));
  for (const target of chain.slice(1))
    cost = Math.max(cost, worstCaseCostNano([target], promptTokens, fallbackShare, choices));
  return cost;
}

/**
 * Output tokens per choice (`choices` 1: of all choices together) that `reservedNano` covers on
 * `target` once its prompt is paid, at the reserve price (the caller applies the model's ceiling).
 */
export function outputTokensCovered(
  reservedNano: number,
  target: ReservedTarget,
  promptTokens: number,
  choices = 1,
): number {
  const promptNano = costNanoUsd(target.reservePricing, { promptTokens, completionTokens: 0 });
  const perToken = target.reservePricing.output * 1000 * choices; // nano-USD per output token
  if (!(perToken > 0)) return Number.MAX_SAFE_INTEGER; // free output: nothing to bound
  return Math.max(0, Math.floor((reservedNano - promptNano) / perToken + 1e-9));
}

/** What `tokens` more output tokens cost on `target` at its reserve price (nano-USD, rounded up). */
export function outputCostNano(target: ReservedTarget, tokens: number): number {
  return Math.ceil(tokens * target.reservePricing.output * 1000);
}
