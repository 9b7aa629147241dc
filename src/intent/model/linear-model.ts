import { INTENT_LABELS } from '../intent.types';
import type { IntentFeatures } from '../features';
import { featureHashes, toSparseVector } from './hashed-features';
import type { SparseVector } from './hashed-features';

/**
 * The trained intent model: multinomial logistic regression over hashed features
 * (hashed-features.ts), trained by scripts/train-intent.ts. The artifact stores the weights
 * quantised to int8 (base64, row-major [bucket][label]) with one scale, plus the calibration
 * fitted on the training split's out-of-fold predictions.
 */
export interface IntentModelArtifact {
  format: 'modelmuxer-intent-linear/1';
  labels: string[];
  /** log2 of the number of hash buckets. */
  bits: number;
  /** Quantisation step: weight = int8 × scale. */
  scale: number;
  /** base64 of Int8Array(2^bits × labels). */
  weights: string;
  bias: number[];
  /** Combination with the heuristic: logits = heuristic × log p_heuristic + model × log p_model. */
  blend: { heuristic: number; model: number };
  /** Training metadata, for humans. */
  trainedOn: { examples: number; sha1: string; epochs: number; l2: number; seed: number };
}

export class LinearIntentModel {
  private readonly weights: Int8Array;
  private readonly labelCount: number;

  constructor(readonly artifact: IntentModelArtifact) {
    if (artifact.format !== 'modelmuxer-intent-linear/1')
      throw new Error(`unknown intent model format ${String(artifact.format)}`);
    if (artifact.labels.join(',') !== INTENT_LABELS.join(',')) {
      throw new Error(
        `intent model labels ${artifact.labels.join(',')} do not match ${INTENT_LABELS.join(',')}`,
      );
    }
    this.labelCount = artifact.labels.length;
    const bytes = Buffer.from(artifact.weights, 'base64');
    if (bytes.length !== (1 << artifact.bits) * this.labelCount)
      throw new Error('intent model weights have the wrong size');
    this.weights = new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length);
  }

  vectorize(features: IntentFeatures): SparseVector {
    return toSparseVector(featureHashes(features), this.artifact.bits);
  }

  /** Raw logits (before softmax), in INTENT_LABELS order. */
  logits(vector: SparseVector, out: Float64Array = new Float64Array(this.labelCount)): Float64Array {
    const { bias, scale } = this.artifact;
    const labels = this.labelCount;
    for (let k = 0; k < labels; k++) out[k] = bias[k];
    const { indices, values } = vector;
    for (let i = 0; i < indices.length; i++) {
      const row = indices[i] * labels;
      const v = values[i] * scale;
      for (let k = 0; k < labels; k++) out[k] += this.weights[row + k] * v;
    }
    return out;
  }
}
