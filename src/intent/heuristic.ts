import { INTENT_LABELS } from './intent.types';
import type { IntentLabel } from './intent.types';
import { CUE, hasCue } from './features';
import type { IntentFeatures } from './features';

/**
 * The heuristic classifier (basic mode): a hand-set linear score per label over the extracted
 * cues, turned into probabilities by a temperature-scaled softmax. The weights encode the
 * label definitions (docs/intent.md), not the labelled examples; only the temperature is fitted
 * (on the training split, by `npm run train:intent`, which prints the value to paste here).
 */

export const LABEL_COUNT = INTENT_LABELS.length;
export const LABEL_INDEX: Readonly<Record<IntentLabel, number>> = Object.freeze(
  Object.fromEntries(INTENT_LABELS.map((label, index) => [label, index])) as Record<IntentLabel, number>,
);

const L = LABEL_INDEX.chat_lite;
const D = LABEL_INDEX.deep_reason;
const C = LABEL_INDEX.code_gen;
const J = LABEL_INDEX.json_extract;
const T = LABEL_INDEX.translation;
const V = LABEL_INDEX.vision;
const S = LABEL_INDEX.safety_risk;

/** Softmax temperature of the heuristic scores, fitted on the training split (NLL minimum). */
export const HEURISTIC_TEMPERATURE = 0.34;

/** How much the system prompt and the previous user turn count next to the last user turn. */
const SYSTEM_WEIGHT = 0.5;
const PREVIOUS_WEIGHT = 0.3;

/** Cues that name a task; a short turn with none of them leans light chat. */
const TASK_CUES =
  CUE.translateVerb |
  CUE.howToSay |
  CUE.renderInLanguage |
  CUE.codeVerb |
  CUE.codeFence |
  CUE.codeSyntax |
  CUE.codeArtifact |
  CUE.explain |
  CUE.jsonOutput |
  CUE.extractVerb |
  CUE.jsonSkeleton |
  CUE.visionReference |
  CUE.jailbreak |
  CUE.selfHarm |
  CUE.severe |
  CUE.harmAction |
  CUE.math |
  CUE.reasoning;

/** Adds the cue scores of one text, scaled. */
function addCueScores(out: Float64Array, c: number, scale: number): void {
  const codeShown = hasCue(c, 'codeFence') || hasCue(c, 'codeSyntax');
  const codeAsked = hasCue(c, 'codeVerb') && hasCue(c, 'codeNoun');
  const toCode = hasCue(c, 'toProgrammingLanguage') && !hasCue(c, 'toNaturalLanguage');
  const explaining = hasCue(c, 'explain') && !hasCue(c, 'codeChangeVerb');

  // code_gen: asked to produce or change code; code shown; a programming target.
  let code = 0;
  if (codeAsked) code += 3;
  else if (hasCue(c, 'codeArtifact') && hasCue(c, 'programmingKeyword')) code += 2.5;
  if (hasCue(c, 'codeFence')) code += 1.5;
  if (hasCue(c, 'codeSyntax')) code += 1.2;
  if (hasCue(c, 'programmingKeyword')) code += 0.6;
  if (toCode && hasCue(c, 'translateVerb')) code += 3;
  if (codeShown && hasCue(c, 'codeChangeVerb')) code += 1.5;
  if (explaining) code -= 2;
  out[C] += code * scale;

  // deep_reason: maths, analysis, explanations (including of code), comparisons.
  let deep = 0;
  if (hasCue(c, 'math')) deep += 2.2;
  if (hasCue(c, 'reasoning')) deep += 2.2;
  else if (hasCue(c, 'reasoningWeak')) deep += 0.8;
  if (explaining && (codeShown || hasCue(c, 'programmingKeyword'))) deep += 2.5;
  out[D] += deep * scale;

  // json_extract: structured output or field extraction.
  let json = 0;
  if (hasCue(c, 'jsonOutput')) json += 3.5;
  if (hasCue(c, 'extractVerb') && hasCue(c, 'extractTarget')) json += 2.2;
  else if (hasCue(c, 'extractVerb')) json += 0.8;
  if (hasCue(c, 'jsonSkeleton') && !codeAsked) json += 1.2;
  out[J] += json * scale;

  // translation: an explicit ask, a target language; not when the target is a programming language.
  let translation = 0;
  if (hasCue(c, 'translateVerb')) translation += 3.2;
  if (hasCue(c, 'howToSay')) translation += 3;
  if (hasCue(c, 'renderInLanguage')) translation += 2.5;
  if (hasCue(c, 'toNaturalLanguage')) translation += 1.2;
  if (toCode) translation -= 3.5;
  out[T] += translation * scale;

  // vision (text side only; image parts are structural, added by the caller).
  if (hasCue(c, 'visionReference')) out[V] += 1 * scale;

  // safety_risk: jailbreaks, severe content and self-harm outright (self-harm asked about on
  // someone else's behalf counts less); harmful acts or objects with an ask to make/do them,
  // discounted by a defensive or educational framing. Recall over precision.
  let safety = 0;
  if (hasCue(c, 'jailbreak')) safety += 7;
  if (hasCue(c, 'severe')) safety += 7;
  if (hasCue(c, 'selfHarm')) safety += hasCue(c, 'selfHarmSupport') ? 2.5 : 7;
  if (hasCue(c, 'harmObject')) {
    let harm = hasCue(c, 'harmAction') ? 6 : 1;
    if (hasCue(c, 'defensive')) harm -= 4;
    safety += harm;
  }
  out[S] += safety * scale;

  // chat_lite: small talk and light creative asks.
  if (hasCue(c, 'smallTalk')) out[L] += 1.5 * scale;
}

/** Raw (untempered) per-label scores, in INTENT_LABELS order. */
export function heuristicScores(
  f: IntentFeatures,
  out: Float64Array = new Float64Array(LABEL_COUNT),
): Float64Array {
  out.fill(0);
  out[L] = 1.5;
  addCueScores(out, f.lastCues, 1);
  if (f.systemCues !== 0) addCueScores(out, f.systemCues, SYSTEM_WEIGHT);
  if (f.previousCues !== 0) addCueScores(out, f.previousCues, PREVIOUS_WEIGHT);
  // Structural evidence.
  if (f.imageParts > 0) out[V] += 7;
  else if (f.earlierImageParts > 0 && hasCue(f.lastCues, 'visionReference')) out[V] += 4;
  if (f.responseFormat === 'json_object' || f.responseFormat === 'json_schema') out[J] += 5;
  // Length: short turns without a task lean light; long or detailed questions lean reasoning.
  if (f.lastUserTokens < 25 && (f.lastCues & TASK_CUES) === 0) out[L] += 0.5;
  if (f.lastUserTokens > 300) out[D] += 0.7;
  else if (f.lastUserTokens >= 40 && hasCue(f.lastCues, 'reasoning')) out[D] += 0.5;
  return out;
}

/** In-place softmax of `scores / temperature`; returns the index of the maximum. */
export function softmaxInPlace(scores: Float64Array, temperature = 1): number {
  let max = -Infinity;
  let best = 0;
  for (let i = 0; i < scores.length; i++) {
    if (scores[i] > max) {
      max = scores[i];
      best = i;
    }
  }
  let sum = 0;
  for (let i = 0; i < scores.length; i++) {
    const e = Math.exp((scores[i] - max) / temperature);
    scores[i] = e;
    sum += e;
  }
  for (let i = 0; i < scores.length; i++) scores[i] /= sum;
  return best;
}

/** Heuristic class probabilities, in INTENT_LABELS order. */
export function heuristicProbabilities(f: IntentFeatures, out?: Float64Array): Float64Array {
  const scores = heuristicScores(f, out);
  softmaxInPlace(scores, HEURISTIC_TEMPERATURE);
  return scores;
}
