import { INTENT_LABELS } from '../intent.types';
import type { IntentFeatures } from '../features';
import { HashBuffer, featureHashes, sparseScratch, toSparseVector } from './hashed-features';
import type { SparseScratch, SparseVector } from './hashed-features';

/**
 * The trained intent model (trained by scripts/train-intent.ts over the corpus of
 * test/fixtures/intent/corpus.jsonl): over one hashed feature vector (hashed-features.ts),
 *  - a multinomial logistic regression over the seven labels, and
 *  - a dedicated binary logistic regression for safety_risk (the safety detector),
 * with weights quantised to int8 (base64) and the calibration fitted on leave-one-source-out
 * predictions: a temperature for the labels, Platt scaling and a decision threshold for the
 * safety head, and an isotonic map of the final confidence.
 */
export interface QuantisedLinear {
  /** Quantisation step: weight = int8 × scale. */
  scale: number;
  /** base64 of Int8Array(2^bits × outputs), row-major [bucket][output]. */
  weights: string;
  bias: number[];
}

export interface IntentCalibration {
  /** Weight of the heuristic's log-probabilities added to the label logits. */
  heuristicWeight: number;
  /**
   * Per-label weights of the heuristic (round 3), in INTENT_LABELS order; when absent (older
   * artifacts), `heuristicWeight` for every label.
   */
  heuristicWeights?: number[];
  /** Softmax temperature of the blended label logits. */
  temperature: number;
  /**
   * Platt scaling of the safety detector, with the heuristic's safety log-probability as a second
   * input: p = sigmoid(safetyA × logit + safetyC × heuristic + safetyB).
   */
  safetyA: number;
  safetyC: number;
  safetyB: number;
  /** Calibrated safety probability at or above which the label is safety_risk. */
  safetyThreshold: number;
  /**
   * The label head may flag safety_risk too: when the blended safety logit beats every other
   * label's by at least this margin (1e9: never).
   */
  safetyMargin: number;
  /**
   * Which hand-written safety cues decide safety_risk on their own, beside the detector
   * (SafetyRule: 0 none, 1 the jailbreak/injection cue, 2 the whole safety signal); chosen on
   * held-out predictions like the threshold. Absent in older artifacts: none.
   */
  safetyRule?: number;
  /** Isotonic map of the final confidence: piecewise-linear through these points (x ascending). */
  isotonic: { x: number[]; y: number[] };
}

export interface IntentModelArtifact {
  format: 'modelmuxer-intent-linear/2';
  labels: string[];
  /** log2 of the number of hash buckets. */
  bits: number;
  classifier: QuantisedLinear;
  safety: QuantisedLinear;
  calibration: IntentCalibration;
  /** Training metadata, for humans. */
  trainedOn: { rows: number; sources: number; sha1: string; epochs: number; seed: number };
}

function decode(layer: QuantisedLinear, buckets: number, outputs: number, name: string): Int8Array {
  const bytes = Buffer.from(layer.weights, 'base64');
  if (bytes.length !== buckets * outputs || layer.bias.length !== outputs)
    throw new Error(`intent model ${name} weights have the wrong size`);
  return new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}

export class LinearIntentModel {
  private readonly classifierWeights: Int8Array;
  private readonly safetyWeights: Int8Array;
  private readonly labelCount: number;
  /** Reusable buffers of the hashing and bucketing (calls are synchronous; nothing allocated per token). */
  private readonly hashes = new HashBuffer();
  private readonly scratch: SparseScratch;

  constructor(readonly artifact: IntentModelArtifact) {
    if (artifact.format !== 'modelmuxer-intent-linear/2')
      throw new Error(`unknown intent model format ${String(artifact.format)}`);
    if (artifact.labels.join(',') !== INTENT_LABELS.join(',')) {
      throw new Error(
        `intent model labels ${artifact.labels.join(',')} do not match ${INTENT_LABELS.join(',')}`,
      );
    }
    this.labelCount = artifact.labels.length;
    const buckets = 1 << artifact.bits;
    this.classifierWeights = decode(artifact.classifier, buckets, this.labelCount, 'classifier');
    this.safetyWeights = decode(artifact.safety, buckets, 1, 'safety');
    this.scratch = sparseScratch(artifact.bits);
  }

  get calibration(): IntentCalibration {
    return this.artifact.calibration;
  }

  /**
   * The request's sparse vector. A view of reusable buffers: valid until the next call (use it
   * before vectorising again; every caller here does).
   */
  vectorize(features: IntentFeatures): SparseVector {
    return toSparseVector(featureHashes(features, this.hashes), this.artifact.bits, this.scratch, true);
  }

  /** Raw label logits (before temperature and softmax), in INTENT_LABELS order. */
  logits(vector: SparseVector, out: Float64Array = new Float64Array(this.labelCount)): Float64Array {
    const { bias, scale } = this.artifact.classifier;
    const labels = this.labelCount;
    for (let k = 0; k < labels; k++) out[k] = bias[k];
    const { indices, values } = vector;
    const weights = this.classifierWeights;
    for (let i = 0; i < indices.length; i++) {
      const row = indices[i] * labels;
      const v = values[i] * scale;
      for (let k = 0; k < labels; k++) out[k] += weights[row + k] * v;
    }
    return out;
  }

  /** Raw logit of the safety detector (before Platt scaling). */
  safetyLogit(vector: SparseVector): number {
    const { bias, scale } = this.artifact.safety;
    let sum = 0;
    const { indices, values } = vector;
    const weights = this.safetyWeights;
    for (let i = 0; i < indices.length; i++) sum += weights[indices[i]] * values[i];
    return bias[0] + sum * scale;
  }
}
