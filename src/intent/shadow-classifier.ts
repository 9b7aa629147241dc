import type { AppConfig } from '../config/app-config';
import type { ChatCompletionRequest } from '../common/openai/chat.types';
import { classifierDescription } from '../routing/shadow/shadow-candidate';
import type { ShadowClassifier } from '../routing/shadow/shadow.types';
import { classifyWithModel, classifyHeuristic, type LocalClassification } from './classifier';
import { extractFeatures } from './features';
import { INTENT_LABELS, type IntentLabel, type IntentResult } from './intent.types';
import { loadBundledIntentModel } from './model/bundled-model';
import { LinearIntentModel, type IntentCalibration } from './model/linear-model';

/** Candidate calibration of the trained model (null fields: the bundled model's). */
export interface CalibrationOverrides {
  temperature: number | null;
  heuristicWeight: number | null;
  safetyThreshold: number | null;
}

/** The bundled calibration with the candidate's overrides (one heuristic weight replaces the per-label ones). */
export function candidateCalibration(
  base: IntentCalibration,
  overrides: CalibrationOverrides,
): IntentCalibration {
  const calibration: IntentCalibration = { ...base };
  if (overrides.temperature !== null) calibration.temperature = overrides.temperature;
  if (overrides.heuristicWeight !== null) {
    calibration.heuristicWeight = overrides.heuristicWeight;
    delete calibration.heuristicWeights;
  }
  if (overrides.safetyThreshold !== null) calibration.safetyThreshold = overrides.safetyThreshold;
  return calibration;
}

function toResult(local: LocalClassification): IntentResult {
  const scores: Partial<Record<IntentLabel, number>> = {};
  for (let i = 0; i < INTENT_LABELS.length; i++)
    scores[INTENT_LABELS[i]] = Math.round(local.probabilities[i] * 10_000) / 10_000;
  return {
    label: local.label,
    confidence: Math.round(local.confidence * 10_000) / 10_000,
    signals: null,
    method: local.method,
    scores,
  };
}

/**
 * The shadow's candidate classifier (docs/routing.md "Shadow classification and routing"), from
 * SHADOW_CLASSIFIER: `heuristic` is the heuristic alone (with the safety detector; basic mode's
 * labels until intent round 8), `model` the trained model with SHADOW_MODEL_* calibration overrides. Local
 * only — never the LLM fallback. `live`: null (the live label is kept; only routing is shadowed).
 * Its own copy of the model: the live classifier's buffers are never shared with the shadow.
 */
export function shadowClassifierFactory(config: AppConfig): ShadowClassifier | null {
  const settings = config.shadow;
  if (!settings.enabled || settings.classifier.mode === 'live' || !config.intent.enabled) return null;
  const bundled = loadBundledIntentModel();
  const overrides = settings.classifier;
  const model = new LinearIntentModel({
    ...bundled.artifact,
    calibration: candidateCalibration(bundled.calibration, overrides),
  });
  const mode = settings.classifier.mode;
  return {
    description: classifierDescription(settings.classifier),
    classify(request: ChatCompletionRequest): IntentResult {
      const features = extractFeatures(request);
      return toResult(
        mode === 'model' ? classifyWithModel(features, model) : classifyHeuristic(features, model),
      );
    },
  };
}
