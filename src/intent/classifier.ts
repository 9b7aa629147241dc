import { INTENT_LABELS } from './intent.types';
import type { IntentLabel } from './intent.types';
import type { IntentFeatures } from './features';
import { HEURISTIC_TEMPERATURE, LABEL_COUNT, heuristicScores, softmaxInPlace } from './heuristic';
import type { LinearIntentModel } from './model/linear-model';

/** A local (no network) classification: heuristic alone, or heuristic + trained model. */
export interface LocalClassification {
  label: IntentLabel;
  /** Probability of `label`, calibrated. */
  confidence: number;
  /** Per-label probabilities, in INTENT_LABELS order. */
  probabilities: Float64Array;
  method: 'heuristic' | 'model';
}

function argmax(values: Float64Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** In-place log-softmax of `scores / temperature`. */
export function logSoftmaxInPlace(scores: Float64Array, temperature = 1): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < scores.length; i++) if (scores[i] > max) max = scores[i];
  let sum = 0;
  for (let i = 0; i < scores.length; i++) sum += Math.exp((scores[i] - max) / temperature);
  const logSum = Math.log(sum);
  for (let i = 0; i < scores.length; i++) scores[i] = (scores[i] - max) / temperature - logSum;
  return scores;
}

/** Basic mode: the heuristic's temperature-scaled softmax. */
export function classifyHeuristic(features: IntentFeatures): LocalClassification {
  const probabilities = heuristicScores(features);
  const best = softmaxInPlace(probabilities, HEURISTIC_TEMPERATURE);
  return { label: INTENT_LABELS[best], confidence: probabilities[best], probabilities, method: 'heuristic' };
}

/**
 * Enhanced mode: a weighted product of the heuristic's and the model's distributions
 * (logits = a·log p_heuristic + b·log p_model, then softmax), with a and b fitted on the
 * training split's out-of-fold predictions so that the result stays calibrated.
 */
export function classifyEnhanced(features: IntentFeatures, model: LinearIntentModel): LocalClassification {
  const heuristic = logSoftmaxInPlace(heuristicScores(features), HEURISTIC_TEMPERATURE);
  const learned = logSoftmaxInPlace(model.logits(model.vectorize(features)));
  const { heuristic: a, model: b } = model.artifact.blend;
  const combined = new Float64Array(LABEL_COUNT);
  for (let i = 0; i < LABEL_COUNT; i++) combined[i] = a * heuristic[i] + b * learned[i];
  softmaxInPlace(combined);
  const best = argmax(combined);
  return { label: INTENT_LABELS[best], confidence: combined[best], probabilities: combined, method: 'model' };
}
