import { INTENT_LABELS, type IntentLabel } from '../../common/intent-labels';
import type { ProviderAvailability } from '../../providers/provider.types';
import type { ModelCatalog } from '../model-catalog';
import { decideRoute, type RoutingThresholds } from '../routing-decision';
import type { RoutingPolicy } from '../routing-policy';
import type { RoutingInput } from '../routing.types';
import { replayInputs } from './decision-record';
import type { ReplayRow } from './replay';
import {
  DEFAULT_SUGGESTION_TARGET,
  suggestFloor,
  suggestThresholds,
  type FloorSample,
  type FloorSuggestion,
  type SampleOutcome,
  type SuggestionTarget,
  type ThresholdSample,
  type ThresholdSuggestion,
} from './threshold-suggestions';

/**
 * The evidence behind the threshold suggestions (docs/routing.md "Dynamic thresholds"): a
 * uniform, seeded sample of the replayed requests the thresholds act on (auto-routed, labelled,
 * not safety_risk), each routed again on the default, the cautious and the direct route and,
 * for its label's floor, under each candidate floor. Bounded work whatever the window.
 */

/** The report's `suggestions` section. */
export interface ReplaySuggestions {
  target: { max_below_floor_share: number };
  thresholds: ThresholdSuggestion;
  /** Per label (safety_risk excepted): its routing.yaml `intents.<label>.min_quality`. */
  quality_floors: Partial<Record<IntentLabel, FloorSuggestion>>;
  notes: string[];
}

/** Prices a row's counterfactual target (ReplayRun's re-pricing: same model, actual cost). */
export type RowPricer = (row: ReplayRow, to: string, estimatedUsd: number) => number;

export interface EvidenceOptions {
  catalog: ModelCatalog;
  /** The thresholds the suggestion is compared with (the candidate's, else the live ones). */
  current: RoutingThresholds;
  target?: Partial<SuggestionTarget>;
  /** Requests kept for the threshold search, and per label for the floor search. */
  sampleSize?: number;
  floorSampleSize?: number;
}

interface Sampled {
  row: ReplayRow;
  policy: RoutingPolicy;
  label: IntentLabel;
  scores: Partial<Record<IntentLabel, number>> | null;
}

const SAMPLE_SIZE = 10_000;
const FLOOR_SAMPLE_SIZE = 1_000;
/** Candidate floors: the catalog's qualities for the label within this distance of the current floor. */
const FLOOR_SPAN = 0.1;

const BAND_THRESHOLDS: readonly RoutingThresholds[] = [
  { lowConfidence: Infinity, minConfForDirect: Infinity },
  { lowConfidence: -Infinity, minConfForDirect: Infinity },
  { lowConfidence: -Infinity, minConfForDirect: -Infinity },
];

/** mulberry32: a small seeded generator, so that the same rows give the same sample. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The chance a request routed to `model` is below the floor of the label it really has: the
 * logged per-label probabilities (normalised), or the logged label alone when there are none.
 * A request nothing would serve counts as below.
 */
export function belowFloorChance(
  model: string | null,
  label: IntentLabel,
  scores: Partial<Record<IntentLabel, number>> | null,
  policy: RoutingPolicy,
  catalog: ModelCatalog,
): number {
  if (model === null) return 1;
  const entry = catalog.entry(model) ?? catalog.resolveRequest(model)?.entry;
  if (!entry) return 0;
  const quality = entry.spec.quality;
  if (!scores) return quality[label] < policy.intents[label].min_quality ? 1 : 0;
  let mass = 0;
  let below = 0;
  for (const l of INTENT_LABELS) {
    const p = scores[l];
    if (p === undefined || !(p > 0)) continue;
    mass += p;
    if (quality[l] < policy.intents[l].min_quality) below += p;
  }
  return mass > 0 ? below / mass : 0;
}

/** The policy with one label's floor changed. */
function withFloor(policy: RoutingPolicy, label: IntentLabel, floor: number): RoutingPolicy {
  return {
    ...policy,
    intents: { ...policy.intents, [label]: { ...policy.intents[label], min_quality: floor } },
  };
}

/** A replay's suggestion evidence: consider() every replayed row, then suggestions(). */
export class ThresholdEvidence {
  private readonly sample: Sampled[] = [];
  private readonly perLabel = new Map<IntentLabel, number>();
  private eligible = 0;
  private readonly random = seeded(0x18);
  private readonly sampleSize: number;
  private readonly target: SuggestionTarget;

  private price: RowPricer = () => {
    throw new Error('ThresholdEvidence: pricedBy() the replay run first');
  };

  constructor(private readonly options: EvidenceOptions) {
    this.sampleSize = options.sampleSize ?? SAMPLE_SIZE;
    this.target = { ...DEFAULT_SUGGESTION_TARGET, ...options.target };
  }

  /** Counterfactual costs priced as the replay prices a moved request. */
  pricedBy(run: { costIfRoutedTo: RowPricer }): this {
    this.price = (row, to, estimatedUsd) => run.costIfRoutedTo(row, to, estimatedUsd);
    return this;
  }

  /** A replayed row under its effective policy (reservoir sampling: a uniform sample of the eligible rows). */
  consider(row: ReplayRow, policy: RoutingPolicy): void {
    const label = row.inputs.l;
    if (label === null || label === 'safety_risk') return;
    if (row.inputs.m !== null && !this.options.catalog.isAuto(row.inputs.m)) return;
    this.eligible++;
    this.perLabel.set(label, (this.perLabel.get(label) ?? 0) + 1);
    if (this.sample.length < this.sampleSize) this.sample.push({ row, policy, label, scores: null });
    else {
      const slot = Math.floor(this.random() * this.eligible);
      if (slot < this.sampleSize) this.sample[slot] = { row, policy, label, scores: null };
    }
  }

  suggestions(platform: RoutingPolicy): ReplaySuggestions {
    // The sampled rows' per-label probabilities: in `inputs`, or as text beside it (replayQuery).
    for (const s of this.sample)
      s.scores = s.row.inputs.s ?? (s.row.scores ? (JSON.parse(s.row.scores) as Sampled['scores']) : null);
    const notes = [
      'Suggestions only: nothing is applied until an admin calls POST /admin/routing/thresholds/apply.',
      "Below floor: the chance a request is served by a model under the min_quality of the label it really has (the classifier's per-label probabilities).",
    ];
    if (this.eligible > this.sample.length)
      notes.push(
        `Figures from a uniform sample of ${this.sample.length} of ${this.eligible} requests, costs scaled to all of them.`,
      );
    return {
      target: { max_below_floor_share: this.target.maxBelowFloorShare },
      thresholds: suggestThresholds(
        this.sample.map((s) => this.thresholdSample(s)),
        this.eligible,
        this.options.current,
        this.target,
      ),
      quality_floors: this.floorSuggestions(platform),
      notes,
    };
  }

  private outcome(
    s: Sampled,
    input: RoutingInput,
    availability: ProviderAvailability,
    policy: RoutingPolicy,
    thresholds: RoutingThresholds,
  ): SampleOutcome {
    const decision = decideRoute(input, this.options.catalog, policy, availability, thresholds);
    const to = decision.target?.model ?? null;
    return {
      costNano: to === null ? 0 : this.price(s.row, to, decision.estimatedCostUsd),
      below: belowFloorChance(to, s.label, s.scores, s.policy, this.options.catalog),
    };
  }

  private thresholdSample(s: Sampled): ThresholdSample {
    const { input, availability } = replayInputs(s.row.inputs);
    const [a, b, c] = BAND_THRESHOLDS.map((t) => this.outcome(s, input, availability, s.policy, t));
    return {
      confidence: s.row.inputs.c,
      bands: [a, b, c],
      // Answered by another model than its target (not a cache hit, whose model is the original's).
      fallbackServed:
        !s.row.cache_hit && s.row.served_model != null && s.row.served_model !== s.row.target_model,
    };
  }

  private floorSuggestions(platform: RoutingPolicy): Partial<Record<IntentLabel, FloorSuggestion>> {
    const out: Partial<Record<IntentLabel, FloorSuggestion>> = {};
    const floorSampleSize = this.options.floorSampleSize ?? FLOOR_SAMPLE_SIZE;
    for (const label of INTENT_LABELS) {
      if (label === 'safety_risk') continue;
      const current = platform.intents[label].min_quality;
      const floors = this.candidateFloors(label, current);
      const rows = this.sample.filter((s) => s.label === label).slice(0, floorSampleSize);
      const samples: FloorSample[] = rows.map((s) => {
        const { input, availability } = replayInputs(s.row.inputs);
        return {
          outcomes: floors.map((floor) =>
            this.outcome(s, input, availability, withFloor(s.policy, label, floor), this.options.current),
          ),
        };
      });
      out[label] = suggestFloor(label, floors, current, samples, this.perLabel.get(label) ?? 0, this.target);
    }
    return out;
  }

  /** The floors that change a pick: the catalog's qualities for the label near the current floor. */
  private candidateFloors(label: IntentLabel, current: number): number[] {
    const values = new Set<number>([current]);
    for (const spec of this.options.catalog.list()) {
      const q = spec.quality[label];
      if (Math.abs(q - current) <= FLOOR_SPAN + 1e-9) values.add(q);
    }
    return [...values].sort((a, b) => a - b);
  }
}
