import { INTENT_LABELS } from './intent.types';
import type { IntentLabel } from './intent.types';
import { hasCue } from './features';
import type { IntentFeatures } from './features';
import {
  HEURISTIC_TEMPERATURE,
  LABEL_COUNT,
  LABEL_INDEX,
  heuristicScores,
  softmaxInPlace,
} from './heuristic';
import type { IntentCalibration, LinearIntentModel } from './model/linear-model';

/** A local (no network) classification: heuristic or trained model, safety detector first. */
export interface LocalClassification {
  label: IntentLabel;
  /** Probability of `label`, calibrated. */
  confidence: number;
  /** Per-label probabilities, in INTENT_LABELS order (sum to 1). */
  probabilities: Float64Array;
  method: 'heuristic' | 'model';
  /**
   * The safety probability the decision used (the calibrated detector, at least the rule's floor
   * when a hand-written rule fired): what the safety review's threshold is compared with.
   */
  safety: number;
}

const SAFETY = LABEL_INDEX.safety_risk;

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

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** Piecewise-linear interpolation through (x, y) points (x ascending), flat outside. */
export function interpolate(points: { x: readonly number[]; y: readonly number[] }, value: number): number {
  const { x, y } = points;
  if (x.length === 0) return value;
  if (value <= x[0]) return y[0];
  const last = x.length - 1;
  if (value >= x[last]) return y[last];
  let lo = 0;
  let hi = last;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (x[mid] <= value) lo = mid;
    else hi = mid;
  }
  const span = x[hi] - x[lo];
  return span <= 0 ? y[hi] : y[lo] + ((value - x[lo]) / span) * (y[hi] - y[lo]);
}

/** The calibrated safety probability: Platt scaling of the detector's logit and the heuristic's safety log-probability. */
export function safetyProbability(
  logit: number,
  heuristicSafetyLog: number,
  calibration: Pick<IntentCalibration, 'safetyA' | 'safetyB' | 'safetyC'>,
): number {
  return sigmoid(
    calibration.safetyA * logit + calibration.safetyC * heuristicSafetyLog + calibration.safetyB,
  );
}

/**
 * Combines the label distribution `p` (in place) with the safety detector's probability `s`:
 * safety_risk gets `s`, the other labels share `1 - s` in the proportions of `p`. The label is
 * safety_risk when `s` reaches the detector's threshold (the detector runs first and decides
 * alone), otherwise the most likely other label. `isotonic` maps the label's probability to the
 * reported confidence; the other probabilities are rescaled so that they still sum to 1.
 */
export function composeWithSafety(
  p: Float64Array,
  s: number,
  calibration: Pick<IntentCalibration, 'safetyThreshold'> & { isotonic?: IntentCalibration['isotonic'] },
): { best: number; confidence: number } {
  const rest = Math.max(1e-12, 1 - p[SAFETY]);
  for (let k = 0; k < p.length; k++) p[k] = k === SAFETY ? s : ((1 - s) * p[k]) / rest;
  let best = SAFETY;
  if (s < calibration.safetyThreshold) {
    best = SAFETY === 0 ? 1 : 0;
    for (let k = 0; k < p.length; k++) if (k !== SAFETY && p[k] > p[best]) best = k;
  }
  const raw = p[best];
  const confidence = calibration.isotonic ? interpolate(calibration.isotonic, raw) : raw;
  const others = 1 - raw;
  const scale = others > 1e-12 ? (1 - confidence) / others : 0;
  for (let k = 0; k < p.length; k++) p[k] = k === best ? confidence : p[k] * scale;
  return { best, confidence };
}

/**
 * Hand-written safety cues that may decide safety_risk beside the detector: bit 0 the
 * jailbreak/injection cue, bit 1 the whole safety signal (jailbreak, self-harm, severe, harmful
 * object with a harmful action and no defensive context). Source-independent rules, so they
 * carry across sources where the trained detector does not; calibration chooses how many to use.
 */
export const SafetyRule = { none: 0, jailbreak: 1, signal: 2 } as const;

export function safetyRuleFlags(features: IntentFeatures): number {
  const c = features.lastCues;
  const jailbreak = hasCue(c, 'jailbreak');
  // The `safety` signal of toSignals, without building the signals object.
  const signal =
    jailbreak ||
    hasCue(c, 'selfHarm') ||
    hasCue(c, 'severe') ||
    (hasCue(c, 'harmObject') && hasCue(c, 'harmAction') && !hasCue(c, 'defensive'));
  return (jailbreak ? 1 : 0) | (signal ? 2 : 0);
}

/** Whether the rule level `rule` flags a request with these cue flags. */
export function safetyRuleFires(flags: number, rule: number | undefined): boolean {
  return (
    ((rule ?? 0) >= SafetyRule.jailbreak && (flags & 1) !== 0) ||
    ((rule ?? 0) >= SafetyRule.signal && (flags & 2) !== 0)
  );
}

/** Safety probability reported when a hand-written rule flags (its precision on the corpus is ≥ 0.95). */
export const RULE_SAFETY_PROBABILITY = 0.9;

/** What the trained model's decision combines (also built by the training pipeline, from held-out predictions). */
export interface ModelEvidence {
  /** Raw label logits of the model. */
  logits: Float64Array;
  /** Raw logit of the safety detector. */
  safetyLogit: number;
  /** The heuristic's log-probabilities (cue lists in 15+ languages), blended in with `heuristicWeight`. */
  heuristicLog: Float64Array;
  /** Image parts in the last user turn: such a request is vision by the label rules (after safety). */
  imageParts: number;
  /** safetyRuleFlags of the request. */
  ruleFlags: number;
}

const VISION = LABEL_INDEX.vision;
/** Share left to the other labels when an image is attached (vision by rule, unless safety fires). */
const IMAGE_OTHERS_SHARE = 0.01;

/**
 * The trained model's decision: label distribution softmax((logits + w·heuristic) / T), an
 * attached image making it vision, then the safety detector first (composeWithSafety) and the
 * isotonic confidence map. `p` receives the final per-label probabilities.
 */
export function combineEvidence(
  evidence: ModelEvidence,
  calibration: Omit<IntentCalibration, 'isotonic'> & { isotonic?: IntentCalibration['isotonic'] },
  p: Float64Array = new Float64Array(LABEL_COUNT),
): { best: number; confidence: number; probabilities: Float64Array; safety: number } {
  const weights = calibration.heuristicWeights;
  let otherBest = -Infinity;
  for (let k = 0; k < LABEL_COUNT; k++) {
    p[k] = evidence.logits[k] + (weights?.[k] ?? calibration.heuristicWeight) * evidence.heuristicLog[k];
    if (k !== SAFETY && p[k] > otherBest) otherBest = p[k];
  }
  const headFlags = p[SAFETY] - otherBest >= calibration.safetyMargin;
  softmaxInPlace(p, calibration.temperature);
  if (evidence.imageParts > 0) {
    const others = Math.max(1e-12, 1 - p[VISION]);
    for (let k = 0; k < LABEL_COUNT; k++)
      p[k] = k === VISION ? 1 - IMAGE_OTHERS_SHARE : (p[k] * IMAGE_OTHERS_SHARE) / others;
  }
  const detector = safetyProbability(evidence.safetyLogit, evidence.heuristicLog[SAFETY], calibration);
  // The detector decides first; the label head, when it is sure of safety_risk, flags it too, and
  // so do the hand-written rules the calibration chose.
  const ruleFlags = safetyRuleFires(evidence.ruleFlags, calibration.safetyRule);
  const flagged = detector >= calibration.safetyThreshold || headFlags || ruleFlags;
  let s = headFlags ? Math.max(detector, p[SAFETY]) : detector;
  if (ruleFlags) s = Math.max(s, RULE_SAFETY_PROBABILITY);
  const { best, confidence } = composeWithSafety(p, s, {
    safetyThreshold: flagged ? 0 : Infinity,
    isotonic: calibration.isotonic,
  });
  return { best, confidence, probabilities: p, safety: s };
}

/** The model's evidence for one request's features. */
export function modelEvidence(features: IntentFeatures, model: LinearIntentModel): ModelEvidence {
  const vector = model.vectorize(features);
  return {
    logits: model.logits(vector),
    safetyLogit: model.safetyLogit(vector),
    heuristicLog: logSoftmaxInPlace(heuristicScores(features), HEURISTIC_TEMPERATURE),
    imageParts: features.imageParts,
    ruleFlags: safetyRuleFlags(features),
  };
}

/**
 * The heuristic alone (SHADOW_CLASSIFIER=heuristic; basic mode until intent round 8): its
 * temperature-scaled softmax, with the safety detector first when its model is loaded (a
 * hand-written cue list alone misses half of real jailbreaks).
 */
export function classifyHeuristic(
  features: IntentFeatures,
  model?: LinearIntentModel | null,
): LocalClassification {
  const probabilities = heuristicScores(features);
  let best = softmaxInPlace(probabilities, HEURISTIC_TEMPERATURE);
  let confidence = probabilities[best];
  let safety = probabilities[SAFETY];
  if (model) {
    const heuristicSafetyLog = Math.log(Math.max(1e-300, probabilities[SAFETY]));
    let s = safetyProbability(
      model.safetyLogit(model.vectorize(features)),
      heuristicSafetyLog,
      model.calibration,
    );
    const ruleFlags = safetyRuleFires(safetyRuleFlags(features), model.calibration.safetyRule);
    if (ruleFlags) s = Math.max(s, RULE_SAFETY_PROBABILITY);
    ({ best, confidence } = composeWithSafety(probabilities, s, {
      safetyThreshold: ruleFlags ? 0 : model.calibration.safetyThreshold,
    }));
    safety = s;
  }
  return { label: INTENT_LABELS[best], confidence, probabilities, method: 'heuristic', safety };
}

/**
 * The local classifier of every mode: the trained model — its safety detector first, then the label distribution
 * blended with the heuristic, then the isotonic confidence map, all fitted on held-out sources.
 */
export function classifyWithModel(features: IntentFeatures, model: LinearIntentModel): LocalClassification {
  const { best, confidence, probabilities, safety } = combineEvidence(
    modelEvidence(features, model),
    model.calibration,
  );
  return { label: INTENT_LABELS[best], confidence, probabilities, method: 'model', safety };
}

export { LABEL_COUNT };
