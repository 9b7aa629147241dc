import { createHash } from 'node:crypto';
import type { CorpusRow } from '../dataset';
import { extractFeatures } from '../features';
import { logSoftmaxInPlace, safetyRuleFlags } from '../classifier';
import {
  HEURISTIC_TEMPERATURE,
  LABEL_COUNT,
  LABEL_INDEX,
  heuristicScores,
  softmaxInPlace,
} from '../heuristic';
import { INTENT_LABELS } from '../intent.types';
import { HashBuffer, featureHashes, sparseScratch, toSparseVector } from '../model/hashed-features';
import type { SparseVector } from '../model/hashed-features';
import type { IntentCalibration, IntentModelArtifact, QuantisedLinear } from '../model/linear-model';
import { prng, shuffledIndices } from './random';

/**
 * Training of the intent model: multinomial logistic regression over the labels and a binary
 * logistic regression for safety_risk, by plain SGD over hashed sparse features, with per-row
 * weights that balance labels and sources. A few dozen lines, deterministic (seeded order, no
 * parallelism), ≈ 1 s per epoch over the corpus; why no library: docs/intent.md.
 */
export const MODEL_BITS = 18;

export interface TrainingOptions {
  bits: number;
  epochs: number;
  learningRate: number;
  /** Weight of positive rows in the safety head's loss (recall first). */
  safetyPositiveWeight: number;
  /** Rows of a source that count fully in the safety head's loss (a larger source is scaled down to this many). */
  safetySourceCap: number;
  /** Weight of safe rows with misleading keywords (look-alikes) in the safety head's loss. */
  safetyLookalikeWeight: number;
  seed: number;
}

export const DEFAULT_TRAINING: TrainingOptions = {
  bits: MODEL_BITS,
  epochs: 4,
  learningRate: 1.5,
  safetyPositiveWeight: 2,
  safetySourceCap: 1000,
  safetyLookalikeWeight: 3,
  seed: 20261202,
};

/** A corpus row, vectorised. */
export interface TrainingRow {
  id: string;
  source: string;
  /** Sources whose text this row reuses (compositions): held out together with it. */
  baseSource?: string;
  baseId?: string;
  y: number;
  x: SparseVector;
  weight: number;
  /**
   * Weight of the row in the safety head's loss: sources capped linearly (a large source's style
   * must not carry "harmful" alone), safe look-alike phrasings (misleading keywords) weighted up.
   */
  safetyWeight: number;
  hard: boolean;
  misleading: boolean;
  lang: string;
  /** The heuristic's log-probabilities (blended in by the calibration). */
  heuristicLog: Float64Array;
  imageParts: number;
  /** safetyRuleFlags of the row (the hand-written safety cues). */
  ruleFlags: number;
}

export interface TrainedModel {
  bits: number;
  /** [bucket][label] */
  w: Float32Array;
  b: Float64Array;
  /** [bucket] */
  sw: Float32Array;
  sb: number;
}

/** Vectorises corpus rows and sets their weights (labels balanced, large sources capped). */
export function prepareRows(
  corpus: readonly CorpusRow[],
  bits = MODEL_BITS,
  options: Pick<TrainingOptions, 'safetySourceCap' | 'safetyLookalikeWeight'> = DEFAULT_TRAINING,
): TrainingRow[] {
  const scratch = sparseScratch(bits);
  const hashes = new HashBuffer();
  const perLabel = new Map<string, number>();
  const perSource = new Map<string, number>();
  for (const row of corpus) {
    perLabel.set(row.label, (perLabel.get(row.label) ?? 0) + 1);
    perSource.set(row.source, (perSource.get(row.source) ?? 0) + 1);
  }
  const mean = corpus.length / INTENT_LABELS.length;
  return corpus.map((row) => {
    const labelWeight = Math.sqrt(mean / (perLabel.get(row.label) ?? 1));
    const sourceWeight = Math.sqrt(Math.min(1, 1500 / (perSource.get(row.source) ?? 1)));
    const sourceCap = Math.min(1, options.safetySourceCap / (perSource.get(row.source) ?? 1));
    const misleading = row.hard?.includes('misleading-keywords') ?? false;
    const safetyWeight =
      sourceCap * (row.label === 'safety_risk' ? 1 : misleading ? options.safetyLookalikeWeight : 1);
    const base = row.base;
    const features = extractFeatures(row.request);
    return {
      id: row.id,
      source: row.source,
      baseSource: base?.source,
      baseId: base?.id,
      y: LABEL_INDEX[row.label],
      x: toSparseVector(featureHashes(features, hashes), bits, scratch),
      weight: labelWeight * sourceWeight,
      safetyWeight,
      hard: (row.hard?.length ?? 0) > 0,
      misleading: row.hard?.includes('misleading-keywords') ?? false,
      lang: row.lang,
      heuristicLog: logSoftmaxInPlace(heuristicScores(features), HEURISTIC_TEMPERATURE),
      imageParts: features.imageParts,
      ruleFlags: safetyRuleFlags(features),
    };
  });
}

function labelLogits(model: TrainedModel, x: SparseVector, out: Float64Array): Float64Array {
  for (let k = 0; k < LABEL_COUNT; k++) out[k] = model.b[k];
  for (let i = 0; i < x.indices.length; i++) {
    const row = x.indices[i] * LABEL_COUNT;
    const v = x.values[i];
    for (let k = 0; k < LABEL_COUNT; k++) out[k] += model.w[row + k] * v;
  }
  return out;
}

function safetyLogit(model: TrainedModel, x: SparseVector): number {
  let sum = model.sb;
  for (let i = 0; i < x.indices.length; i++) sum += model.sw[x.indices[i]] * x.values[i];
  return sum;
}

const SAFETY = LABEL_INDEX.safety_risk;

/** One SGD step of both heads on one row. */
function step(
  model: TrainedModel,
  row: TrainingRow,
  lr: number,
  options: TrainingOptions,
  p: Float64Array,
): void {
  const { x, y } = row;
  labelLogits(model, x, p);
  softmaxInPlace(p);
  for (let k = 0; k < LABEL_COUNT; k++) {
    const g = row.weight * (p[k] - (k === y ? 1 : 0)) * lr;
    if (g === 0) continue;
    model.b[k] -= g;
    for (let i = 0; i < x.indices.length; i++) model.w[x.indices[i] * LABEL_COUNT + k] -= g * x.values[i];
  }
  const positive = y === SAFETY;
  const z = safetyLogit(model, x);
  const ps = z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
  const gs =
    row.safetyWeight * (positive ? options.safetyPositiveWeight : 1) * (ps - (positive ? 1 : 0)) * lr;
  model.sb -= gs;
  for (let i = 0; i < x.indices.length; i++) model.sw[x.indices[i]] -= gs * x.values[i];
}

/** Trains both heads on `rows`. Deterministic for given rows, order and options. */
export function trainModel(
  rows: readonly TrainingRow[],
  options: TrainingOptions = DEFAULT_TRAINING,
): TrainedModel {
  const buckets = 1 << options.bits;
  const model: TrainedModel = {
    bits: options.bits,
    w: new Float32Array(buckets * LABEL_COUNT),
    b: new Float64Array(LABEL_COUNT),
    sw: new Float32Array(buckets),
    sb: 0,
  };
  const random = prng(options.seed);
  const p = new Float64Array(LABEL_COUNT);
  let t = 0;
  const total = options.epochs * rows.length;
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    for (const index of shuffledIndices(rows.length, random)) {
      const lr = options.learningRate * (1 - (0.9 * t++) / total);
      step(model, rows[index], lr, options, p);
    }
  }
  return model;
}

/** Raw outputs of a trained (unquantised) model on one row. */
export interface RawPrediction {
  logits: Float64Array;
  safetyLogit: number;
}

export function predictRaw(model: TrainedModel, x: SparseVector): RawPrediction {
  return { logits: labelLogits(model, x, new Float64Array(LABEL_COUNT)), safetyLogit: safetyLogit(model, x) };
}

function quantise(weights: Float32Array, bias: ArrayLike<number>): QuantisedLinear {
  let maxAbs = 0;
  for (const w of weights) maxAbs = Math.max(maxAbs, Math.abs(w));
  const scale = maxAbs / 127 || 1;
  const q = new Int8Array(weights.length);
  for (let i = 0; i < weights.length; i++)
    q[i] = Math.max(-127, Math.min(127, Math.round(weights[i] / scale)));
  return {
    scale: Number(scale.toPrecision(8)),
    weights: Buffer.from(q.buffer).toString('base64'),
    bias: Array.from(bias, (b) => Number(b.toPrecision(8))),
  };
}

/** The shipped artifact: both heads quantised to int8, with the calibration. */
export function toArtifact(
  model: TrainedModel,
  calibration: IntentCalibration,
  meta: { rows: number; sources: number; corpusText: string; epochs: number; seed: number },
): IntentModelArtifact {
  return {
    format: 'modelmuxer-intent-linear/2',
    labels: [...INTENT_LABELS],
    bits: model.bits,
    classifier: quantise(model.w, model.b),
    safety: quantise(model.sw, [model.sb]),
    calibration,
    trainedOn: {
      rows: meta.rows,
      sources: meta.sources,
      sha1: createHash('sha1').update(meta.corpusText).digest('hex'),
      epochs: meta.epochs,
      seed: meta.seed,
    },
  };
}
