import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  combineEvidence,
  interpolate,
  logSoftmaxInPlace,
  safetyProbability,
  RULE_SAFETY_PROBABILITY,
  safetyRuleFires,
  sigmoid,
} from '../classifier';
import type { ModelEvidence } from '../classifier';
import { LABEL_INDEX } from '../heuristic';
import { SafetyRule } from '../classifier';
import type { IntentCalibration } from '../model/linear-model';
import { chooseSafetyThreshold, fitIsotonic, fitLogistic, fitTemperature } from './calibration';
import type { SafetyOperatingPoint } from './calibration';
import { predictRaw, trainModel } from './trainer';
import type { RawPrediction, TrainingOptions, TrainingRow } from './trainer';
import { seedOf } from './random';

/**
 * Leave-one-source-out training and the calibration fitted on its predictions. A held-out
 * source takes with it every row built from its texts (compositions name their base row), so no
 * text of the held-out source is trained on.
 */

/** The rows trained on when `source` is held out. */
export function trainingRowsWithout(rows: readonly TrainingRow[], source: string): TrainingRow[] {
  const heldOutBases = new Set<string>();
  for (const r of rows) if (r.source === source && r.baseId) heldOutBases.add(r.baseId);
  return rows.filter((r) => r.source !== source && r.baseSource !== source && !heldOutBases.has(r.id));
}

export function sourcesOf(rows: readonly TrainingRow[]): string[] {
  return [...new Set(rows.map((r) => r.source))].sort();
}

/** Out-of-source raw predictions for every row (aligned with `rows`). */
export function leaveOneSourceOut(
  rows: readonly TrainingRow[],
  options: TrainingOptions,
  log: (line: string) => void = () => undefined,
): RawPrediction[] {
  const predictions = new Array<RawPrediction>(rows.length);
  for (const source of sourcesOf(rows)) {
    const started = Date.now();
    const model = trainModel(trainingRowsWithout(rows, source), options);
    let n = 0;
    rows.forEach((r, i) => {
      if (r.source === source) {
        predictions[i] = predictRaw(model, r.x);
        n++;
      }
    });
    log(
      `  held out ${source.padEnd(26)} ${String(n).padStart(6)} rows (${((Date.now() - started) / 1000).toFixed(1)} s)`,
    );
  }
  return predictions;
}

/** A row's final decision under a calibration. */
export interface Decision {
  label: number;
  confidence: number;
  /** Calibrated safety probability. */
  safety: number;
  /** Confidence before the isotonic map. */
  rawConfidence: number;
  /** The detector alone (what basic mode uses): its calibrated probability and whether it fires. */
  detector: number;
  detectorFlags: boolean;
}

type PartialCalibration = Omit<IntentCalibration, 'isotonic'> & Partial<Pick<IntentCalibration, 'isotonic'>>;

function evidenceOf(row: TrainingRow, raw: RawPrediction): ModelEvidence {
  return {
    logits: raw.logits,
    safetyLogit: raw.safetyLogit,
    heuristicLog: row.heuristicLog,
    imageParts: row.imageParts,
    ruleFlags: row.ruleFlags,
  };
}

/** The same decision as classifyWithModel, from a held-out prediction. */
export function decide(row: TrainingRow, raw: RawPrediction, calibration: PartialCalibration): Decision {
  const result = combineEvidence(evidenceOf(row, raw), { ...calibration, isotonic: undefined });
  const confidence = calibration.isotonic
    ? interpolate(calibration.isotonic, result.confidence)
    : result.confidence;
  const rule = safetyRuleFires(row.ruleFlags, calibration.safetyRule);
  const calibrated = safetyProbability(
    raw.safetyLogit,
    row.heuristicLog[LABEL_INDEX.safety_risk],
    calibration,
  );
  // Basic mode's safety decision: the detector, or a chosen hand-written rule (as classifyHeuristic).
  const detector = rule ? Math.max(calibrated, RULE_SAFETY_PROBABILITY) : calibrated;
  return {
    label: result.best,
    confidence,
    safety: result.safety,
    rawConfidence: result.confidence,
    detector,
    detectorFlags: calibrated >= calibration.safetyThreshold || rule,
  };
}

export interface FittedCalibration {
  calibration: IntentCalibration;
  safetyPoint: SafetyOperatingPoint;
}

/** Blended label logits of the rows at `indices` for per-label heuristic weights. */
function blended(
  rows: readonly TrainingRow[],
  predictions: readonly RawPrediction[],
  indices: readonly number[],
  w: readonly number[],
): Float64Array[] {
  return indices.map((i) => {
    const out = Float64Array.from(predictions[i].logits);
    for (let k = 0; k < out.length; k++) out[k] += w[k] * rows[i].heuristicLog[k];
    return out;
  });
}

/**
 * Half the mean per-label recall and half the accuracy of the argmax over the labels other than
 * safety_risk (which has its own decision).
 */
function macroRecallOf(
  rows: readonly TrainingRow[],
  predictions: readonly RawPrediction[],
  indices: readonly number[],
  w: readonly number[],
): number {
  const S = LABEL_INDEX.safety_risk;
  const hit = new Array<number>(w.length).fill(0);
  const total = new Array<number>(w.length).fill(0);
  for (const i of indices) {
    const y = rows[i].y;
    if (y === S) continue;
    let best = -1;
    let bestScore = -Infinity;
    for (let k = 0; k < w.length; k++) {
      if (k === S) continue;
      const score = predictions[i].logits[k] + w[k] * rows[i].heuristicLog[k];
      if (score > bestScore) {
        bestScore = score;
        best = k;
      }
    }
    total[y]++;
    if (best === y) hit[y]++;
  }
  let sum = 0;
  let labels = 0;
  let hits = 0;
  let rowsSeen = 0;
  for (let k = 0; k < w.length; k++) {
    hits += hit[k];
    rowsSeen += total[k];
    if (total[k] === 0) continue;
    sum += hit[k] / total[k];
    labels++;
  }
  // Half mean per-label recall, half accuracy: the recall of small labels counts without giving
  // away the accuracy of the large ones.
  return 0.5 * (sum / Math.max(1, labels)) + 0.5 * (hits / Math.max(1, rowsSeen));
}

/**
 * Heuristic weights and temperature of the blended label distribution: one weight for every
 * label minimising the NLL; then (round 3) each label's own weight, by coordinate search, for the
 * most mean per-label recall and accuracy (macroRecallOf; the heuristic is better than the model
 * on some labels held out, extraction above all); then the temperature minimising the NLL with
 * those weights. The safety
 * label keeps the shared weight (its decision is calibrated on its own).
 */
function fitBlend(
  rows: readonly TrainingRow[],
  predictions: readonly RawPrediction[],
  indices: readonly number[],
): { heuristicWeight: number; heuristicWeights: number[]; temperature: number } {
  const ys = indices.map((i) => rows[i].y);
  const labels = predictions[0]?.logits.length ?? 0;
  let best = { heuristicWeight: 0, nll: Infinity };
  for (const w of [0, 0.1, 0.2, 0.3, 0.45, 0.6, 0.8, 1, 1.3, 1.7]) {
    const logits = blended(rows, predictions, indices, new Array<number>(labels).fill(w));
    const nll = meanNll(logits, ys, fitTemperature(logits, ys));
    if (nll < best.nll) best = { heuristicWeight: w, nll };
  }
  const weights = new Array<number>(labels).fill(best.heuristicWeight);
  let score = macroRecallOf(rows, predictions, indices, weights);
  for (let pass = 0; pass < 2; pass++) {
    for (let k = 0; k < labels; k++) {
      if (k === LABEL_INDEX.safety_risk) continue;
      for (const v of [0, 0.15, 0.3, 0.45, 0.6, 0.8, 1, 1.3, 1.7, 2.2, 3]) {
        const trial = weights.slice();
        trial[k] = v;
        const trialScore = macroRecallOf(rows, predictions, indices, trial);
        if (trialScore > score + 1e-9) {
          score = trialScore;
          weights[k] = v;
        }
      }
    }
  }
  const logits = blended(rows, predictions, indices, weights);
  return {
    heuristicWeight: best.heuristicWeight,
    heuristicWeights: weights,
    temperature: fitTemperature(logits, ys),
  };
}

function meanNll(logits: readonly Float64Array[], ys: readonly number[], temperature: number): number {
  let total = 0;
  for (let i = 0; i < logits.length; i++)
    total -= logSoftmaxInPlace(Float64Array.from(logits[i]), temperature)[ys[i]];
  return total / Math.max(1, logits.length);
}

/** Issue 10's bounds on the safety decision: ≤ 3 % false alarms on safe look-alikes, ≥ 95 % precision (round 4; 90 % before). */
const MAX_ALARMS = 0.03;
const MIN_PRECISION = 0.95;

/** A label-head margin that never flags (JSON has no Infinity). */
const NEVER = 1e9;

/**
 * The safety decision's calibration: logistic regression of "is safety_risk" on the detector's
 * logit and the heuristic's safety log-probability, with every source weighing the same (the
 * large multilingual XSafety source must not decide it alone); then the detector's threshold and
 * the label head's margin with the most per-source recall of "detector or head" within the
 * false-alarm (≤ 3 % of safe look-alikes) and precision (≥ 95 %) bounds.
 */
function fitSafety(
  rows: readonly TrainingRow[],
  predictions: readonly RawPrediction[],
  indices: readonly number[],
  isLookalike: (row: TrainingRow) => boolean,
  heuristicWeights: readonly number[],
): { weights: number[]; point: SafetyOperatingPoint; margin: number; rule: number } {
  const S = LABEL_INDEX.safety_risk;
  const positive = indices.map((i) => rows[i].y === S);
  const inputs = indices.map((i) => [predictions[i].safetyLogit, rows[i].heuristicLog[S], 1]);
  const perSource = new Map<string, number>();
  for (const i of indices) perSource.set(rows[i].source, (perSource.get(rows[i].source) ?? 0) + 1);
  const meanPerSource = indices.length / perSource.size;
  const weights = fitLogistic(
    inputs,
    positive,
    indices.map((i) => meanPerSource / (perSource.get(rows[i].source) ?? 1)),
  );
  const detector = inputs.map((x) => sigmoid(weights[0] * x[0] + weights[1] * x[1] + weights[2]));
  const headMargin = indices.map((i) => {
    let other = -Infinity;
    const b = (k: number) => predictions[i].logits[k] + heuristicWeights[k] * rows[i].heuristicLog[k];
    for (let k = 0; k < predictions[i].logits.length; k++) if (k !== S) other = Math.max(other, b(k));
    return b(S) - other;
  });
  const lookalike = indices.map((i) => isLookalike(rows[i]));
  const groups = indices.map((i) => rows[i].source);
  type Choice = { weights: number[]; point: SafetyOperatingPoint; margin: number; rule: number };
  let best: Choice | null = null;
  // When no margin meets the precision bound too, the false-alarm bound alone decides.
  let withinAlarms: Choice | null = null;
  for (const rule of [SafetyRule.none, SafetyRule.jailbreak, SafetyRule.signal]) {
    for (const margin of [0, 0.5, 1, 1.5, 2, 3, NEVER]) {
      // "Detector or head or rule" as one score: a flagged row scores 1 (above any threshold).
      const s = detector.map((d, k) =>
        headMargin[k] >= margin || safetyRuleFires(rows[indices[k]].ruleFlags, rule) ? 1 : d,
      );
      const point = chooseSafetyThreshold(s, positive, lookalike, MAX_ALARMS, MIN_PRECISION, groups);
      if (point.falseAlarmRate > MAX_ALARMS) continue;
      if (!withinAlarms || point.macroRecall > withinAlarms.point.macroRecall)
        withinAlarms = { weights, point, margin, rule };
      if (point.precision >= MIN_PRECISION && (!best || point.macroRecall > best.point.macroRecall))
        best = { weights, point, margin, rule };
    }
  }
  if (best) return best;
  if (withinAlarms) return withinAlarms;
  const point = chooseSafetyThreshold(detector, positive, lookalike, MAX_ALARMS, MIN_PRECISION, groups);
  return { weights, point, margin: NEVER, rule: SafetyRule.none };
}

/** Fits the whole calibration on out-of-source predictions of `indices`. */
export function fitCalibration(
  rows: readonly TrainingRow[],
  predictions: readonly RawPrediction[],
  indices: readonly number[],
  isLookalike: (row: TrainingRow) => boolean,
): FittedCalibration {
  const blend = fitBlend(rows, predictions, indices);
  const {
    weights: [safetyA, safetyC, safetyB],
    point: safetyPoint,
    margin: safetyMargin,
    rule: safetyRule,
  } = fitSafety(rows, predictions, indices, isLookalike, blend.heuristicWeights);
  const base = {
    ...blend,
    safetyA,
    safetyB,
    safetyC,
    safetyThreshold: safetyPoint.threshold,
    safetyMargin,
    safetyRule,
  };
  const decisions = indices.map((i) => decide(rows[i], predictions[i], base));
  const isotonic = fitIsotonic(
    decisions.map((d) => d.rawConfidence),
    decisions.map((d, k) => d.label === rows[indices[k]].y),
  );
  return { calibration: { ...base, isotonic }, safetyPoint };
}

/**
 * Decisions under a calibration fitted without the row's own source half: sources are split in
 * two by a hash of their name, each half calibrated on the other, so the reported calibration
 * error is itself out of sample.
 */
export function crossFittedDecisions(
  rows: readonly TrainingRow[],
  predictions: readonly RawPrediction[],
  isLookalike: (row: TrainingRow) => boolean,
): Decision[] {
  const half = (source: string): number => seedOf(`half:${source}`) % 2;
  const decisions = new Array<Decision>(rows.length);
  for (const h of [0, 1]) {
    const fitOn = rows.map((_, i) => i).filter((i) => half(rows[i].source) !== h);
    const { calibration } = fitCalibration(rows, predictions, fitOn, isLookalike);
    rows.forEach((r, i) => {
      if (half(r.source) === h) decisions[i] = decide(r, predictions[i], calibration);
    });
  }
  return decisions;
}

/**
 * Where train:intent leaves its leave-one-source-out predictions for eval:intent (in the OS temp
 * folder, keyed by the corpus and the training options, so a stale file is never reused).
 */
export function losoCachePath(corpusText: string, options: TrainingOptions): string {
  const key = createHash('sha1')
    .update(corpusText)
    .update(JSON.stringify(options))
    .digest('hex')
    .slice(0, 16);
  return join(tmpdir(), `modelmuxer-intent-loso-${key}.json`);
}

export function saveLosoPredictions(path: string, predictions: readonly RawPrediction[]): void {
  writeFileSync(
    path,
    JSON.stringify(predictions.map((p) => ({ l: Array.from(p.logits), s: p.safetyLogit }))),
  );
}

export function loadLosoPredictions(path: string, expected: number): RawPrediction[] | null {
  if (!existsSync(path)) return null;
  const saved = JSON.parse(readFileSync(path, 'utf8')) as Array<{ l: number[]; s: number }>;
  if (saved.length !== expected) return null;
  return saved.map((p) => ({ logits: Float64Array.from(p.l), safetyLogit: p.s }));
}
