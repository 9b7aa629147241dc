import type { IntentLabel } from '../../common/intent-labels';
import type { RoutingThresholds } from '../routing-decision';
import { usd } from './decision-record';

/**
 * Threshold and quality-floor suggestions (docs/routing.md "Dynamic thresholds"): pure functions
 * over sampled replay outcomes. A request's outcome under a setting is its cost (nano-USD) and
 * its chance of being served below the quality floor of the label it really has (the
 * classifier's per-label probabilities, so a confident label counts almost only for itself).
 * The suggestion is the cheapest setting whose below-floor share meets the target; nothing here
 * applies anything (POST /admin/routing/thresholds/apply does, on an admin's word).
 */

/** What a request costs under a setting, and its chance (0..1) of being below its floor. */
export interface SampleOutcome {
  costNano: number;
  below: number;
}

/** A sampled request, routed three ways: the default route, the cautious route, the direct route. */
export interface ThresholdSample {
  confidence: number;
  bands: readonly [SampleOutcome, SampleOutcome, SampleOutcome];
  /** Served by a fallback (its first target failed), as logged. */
  fallbackServed: boolean;
}

/** A sampled request of one label, routed under each candidate floor of that label. */
export interface FloorSample {
  outcomes: readonly SampleOutcome[];
}

export interface SuggestionTarget {
  /** The largest acceptable share of requests below their label's floor (0..1). */
  maxBelowFloorShare: number;
  /** Fewer sampled requests than this: no threshold suggestion. */
  minThresholdEvidence: number;
  /** Fewer sampled requests of a label than this: no floor suggestion for it. */
  minFloorEvidence: number;
}

export const DEFAULT_SUGGESTION_TARGET: SuggestionTarget = Object.freeze({
  maxBelowFloorShare: 0.02,
  minThresholdEvidence: 200,
  minFloorEvidence: 50,
});

export type SuggestionStatus = 'suggested' | 'unchanged' | 'target_unreachable' | 'insufficient_data';

export interface ThresholdSetting {
  low_confidence: number;
  min_conf_for_direct: number;
  /** Over the window's eligible requests (the sample scaled up). */
  expected_cost_usd: number;
  below_floor_share: number;
}

export interface ThresholdSuggestion {
  status: SuggestionStatus;
  note: string;
  evidence: {
    /** Requests the thresholds act on (auto-routed, labelled, not safety_risk) and how many were sampled. */
    requests: number;
    sampled: number;
    /** Sampled requests per route under the current thresholds. */
    by_route: { default: number; cautious: number; direct: number };
    /** Sampled requests a fallback answered (the first target failed). */
    fallback_served: number;
  };
  current: ThresholdSetting;
  suggested: ThresholdSetting | null;
}

export interface FloorSetting {
  min_quality: number;
  expected_cost_usd: number;
  below_floor_share: number;
}

export interface FloorSuggestion {
  status: SuggestionStatus;
  note: string;
  evidence: { requests: number; sampled: number };
  current: FloorSetting;
  suggested: FloorSetting | null;
}

/** Confidence on the 0.01 grid the thresholds are searched on (bin k holds [k/100, (k+1)/100)). */
const BINS = 101;

function binOf(confidence: number): number {
  return Math.min(BINS - 1, Math.max(0, Math.floor(confidence * 100 + 1e-9)));
}

function share(part: number, whole: number): number {
  return whole === 0 ? 0 : Math.round((part / whole) * 10_000) / 10_000;
}

function pct(value: number): string {
  return `${(value * 100).toFixed(1)} %`;
}

/** Per band, prefix sums over the confidence bins: sums[band][k] = total of bins < k. */
interface BandSums {
  cost: Float64Array[];
  below: Float64Array[];
}

function bandSums(samples: readonly ThresholdSample[]): BandSums {
  const cost = [0, 1, 2].map(() => new Float64Array(BINS + 1));
  const below = [0, 1, 2].map(() => new Float64Array(BINS + 1));
  for (const sample of samples) {
    const bin = binOf(sample.confidence) + 1;
    for (let band = 0; band < 3; band++) {
      cost[band][bin] += sample.bands[band].costNano;
      below[band][bin] += sample.bands[band].below;
    }
  }
  for (let band = 0; band < 3; band++)
    for (let k = 1; k <= BINS; k++) {
      cost[band][k] += cost[band][k - 1];
      below[band][k] += below[band][k - 1];
    }
  return { cost, below };
}

/** Totals when confidences below bin i take the default route, [i, j) the cautious one, the rest direct. */
function totalsAt(sums: BandSums, i: number, j: number): { cost: number; below: number } {
  const part = (values: Float64Array[]) =>
    values[0][i] + (values[1][j] - values[1][i]) + (values[2][BINS] - values[2][j]);
  return { cost: part(sums.cost), below: part(sums.below) };
}

/** The band of a confidence under thresholds, as decideRoute draws it. */
function bandOf(confidence: number, thresholds: RoutingThresholds): 0 | 1 | 2 {
  if (confidence < thresholds.lowConfidence) return 0;
  return confidence < thresholds.minConfForDirect ? 1 : 2;
}

interface Candidate {
  low: number;
  direct: number;
  cost: number;
  below: number;
}

/** Cheapest first among those meeting the target; ties: closest to the current values, then lowest. */
function better(a: Candidate, b: Candidate, current: RoutingThresholds): boolean {
  if (a.cost !== b.cost) return a.cost < b.cost;
  const distance = (c: Candidate) =>
    Math.abs(c.low - current.lowConfidence) + Math.abs(c.direct - current.minConfForDirect);
  if (distance(a) !== distance(b)) return distance(a) < distance(b);
  return a.low !== b.low ? a.low < b.low : a.direct < b.direct;
}

function searchThresholds(
  samples: readonly ThresholdSample[],
  current: RoutingThresholds,
  maxBelow: number,
): { best: Candidate | null; lowestBelow: Candidate } {
  const sums = bandSums(samples);
  const n = samples.length;
  let best: Candidate | null = null;
  let lowestBelow: Candidate | null = null;
  for (let i = 0; i < BINS; i++)
    for (let j = i; j < BINS; j++) {
      const totals = totalsAt(sums, i, j);
      const candidate = { low: i / 100, direct: j / 100, ...totals };
      // Sums of floats: compare shares with a tolerance far below the report's rounding.
      if (totals.below / n <= maxBelow + 1e-12 && (!best || better(candidate, best, current)))
        best = candidate;
      if (
        !lowestBelow ||
        totals.below < lowestBelow.below - 1e-9 ||
        (Math.abs(totals.below - lowestBelow.below) <= 1e-9 && better(candidate, lowestBelow, current))
      )
        lowestBelow = candidate;
    }
  return { best, lowestBelow: lowestBelow! };
}

/** The current thresholds' cost and below-floor total over the sample, and the evidence counts. */
function currentTotals(
  samples: readonly ThresholdSample[],
  population: number,
  current: RoutingThresholds,
): { evidence: ThresholdSuggestion['evidence']; cost: number; below: number } {
  const byRoute = { default: 0, cautious: 0, direct: 0 };
  let cost = 0;
  let below = 0;
  let fallbackServed = 0;
  for (const sample of samples) {
    const band = bandOf(sample.confidence, current);
    byRoute[(['default', 'cautious', 'direct'] as const)[band]]++;
    cost += sample.bands[band].costNano;
    below += sample.bands[band].below;
    if (sample.fallbackServed) fallbackServed++;
  }
  return {
    evidence: {
      requests: population,
      sampled: samples.length,
      by_route: byRoute,
      fallback_served: fallbackServed,
    },
    cost,
    below,
  };
}

/**
 * INTENT_LOW_CONFIDENCE / INTENT_MIN_CONF_FOR_DIRECT: every pair on the 0.01 grid (low ≤ direct)
 * is priced from the three routed outcomes of each sampled request; the cheapest pair whose
 * below-floor share meets the target is suggested.
 */
export function suggestThresholds(
  samples: readonly ThresholdSample[],
  population: number,
  current: RoutingThresholds,
  target: SuggestionTarget = DEFAULT_SUGGESTION_TARGET,
): ThresholdSuggestion {
  const scale = samples.length === 0 ? 0 : Math.max(population, samples.length) / samples.length;
  const setting = (low: number, direct: number, cost: number, below: number): ThresholdSetting => ({
    low_confidence: low,
    min_conf_for_direct: direct,
    expected_cost_usd: usd(cost * scale),
    below_floor_share: share(below, samples.length),
  });
  const { evidence, cost, below } = currentTotals(samples, population, current);
  const now = setting(current.lowConfidence, current.minConfForDirect, cost, below);
  if (samples.length < target.minThresholdEvidence)
    return {
      status: 'insufficient_data',
      note: `too little data: ${samples.length} auto-routed labelled requests, at least ${target.minThresholdEvidence} needed`,
      evidence,
      current: now,
      suggested: null,
    };
  const { best, lowestBelow } = searchThresholds(samples, current, target.maxBelowFloorShare);
  const pick = best ?? lowestBelow;
  const suggested = setting(pick.low, pick.direct, pick.cost, pick.below);
  const same = pick.low === current.lowConfidence && pick.direct === current.minConfForDirect;
  if (!best)
    return {
      status: 'target_unreachable',
      note: `no thresholds keep below-floor requests at or under ${pct(target.maxBelowFloorShare)}; the lowest share reachable is ${pct(suggested.below_floor_share)}`,
      evidence,
      current: now,
      suggested,
    };
  return {
    status: same ? 'unchanged' : 'suggested',
    note: same
      ? 'the current thresholds are already the cheapest that meet the target'
      : `cheapest thresholds with at most ${pct(target.maxBelowFloorShare)} of requests below their floor`,
    evidence,
    current: now,
    suggested: same ? null : suggested,
  };
}

interface PricedFloor extends FloorSetting {
  cost: number;
  below: number;
}

/** Each candidate floor priced over the label's sample (costs scaled to its population). */
function floorSettings(
  floors: readonly number[],
  samples: readonly FloorSample[],
  scale: number,
): PricedFloor[] {
  return floors.map((floor, index) => {
    let cost = 0;
    let below = 0;
    for (const sample of samples) {
      cost += sample.outcomes[index].costNano;
      below += sample.outcomes[index].below;
    }
    return {
      min_quality: floor,
      expected_cost_usd: usd(cost * scale),
      below_floor_share: share(below, samples.length),
      cost,
      below,
    };
  });
}

/**
 * One label's min_quality: each candidate floor (index aligned with `floors`) is priced over the
 * label's sampled requests; the cheapest meeting the target is suggested (ties: the current
 * floor, then the lower one).
 */
export function suggestFloor(
  label: IntentLabel,
  floors: readonly number[],
  currentFloor: number,
  samples: readonly FloorSample[],
  population: number,
  target: SuggestionTarget = DEFAULT_SUGGESTION_TARGET,
): FloorSuggestion {
  const scale = samples.length === 0 ? 0 : Math.max(population, samples.length) / samples.length;
  const settings = floorSettings(floors, samples, scale);
  const strip = (x: PricedFloor): FloorSetting => ({
    min_quality: x.min_quality,
    expected_cost_usd: x.expected_cost_usd,
    below_floor_share: x.below_floor_share,
  });
  const current = settings[floors.indexOf(currentFloor)];
  if (!current) throw new Error(`the current floor ${currentFloor} of ${label} is not among the candidates`);
  const evidence = { requests: population, sampled: samples.length };
  if (samples.length < target.minFloorEvidence)
    return {
      status: 'insufficient_data',
      note: `too little data: ${samples.length} sampled ${label} requests, at least ${target.minFloorEvidence} needed`,
      evidence,
      current: strip(current),
      suggested: null,
    };
  const n = samples.length;
  const order = (a: PricedFloor, b: PricedFloor) =>
    a.cost - b.cost || Number(b === current) - Number(a === current) || a.min_quality - b.min_quality;
  const feasible = settings.filter((s) => s.below / n <= target.maxBelowFloorShare + 1e-12).sort(order);
  if (feasible.length === 0) {
    const lowest = [...settings].sort((a, b) => a.below - b.below || order(a, b))[0];
    return {
      status: 'target_unreachable',
      note: `no ${label} floor keeps below-floor requests at or under ${pct(target.maxBelowFloorShare)}; the lowest share reachable is ${pct(lowest.below_floor_share)}`,
      evidence,
      current: strip(current),
      suggested: strip(lowest),
    };
  }
  const pick = feasible[0];
  return {
    status: pick === current ? 'unchanged' : 'suggested',
    note:
      pick === current
        ? `the current ${label} floor is already the cheapest that meets the target`
        : `cheapest ${label} floor with at most ${pct(target.maxBelowFloorShare)} of its requests below their floor`,
    evidence,
    current: strip(current),
    suggested: pick === current ? null : strip(pick),
  };
}
