import { sigmoid } from '../classifier';
import { logSoftmaxInPlace } from '../classifier';

/**
 * Calibration fitted on held-out-source predictions (never on the rows a model was trained on):
 * temperature scaling of the label logits, Platt scaling of the safety logit, the safety
 * decision threshold, and an isotonic map (pool-adjacent-violators) of the final confidence.
 */

/** Mean negative log-likelihood of `ys` under softmax(logits / t). */
function temperatureNll(logits: readonly Float64Array[], ys: readonly number[], t: number): number {
  let total = 0;
  const buffer = new Float64Array(logits[0]?.length ?? 0);
  for (let i = 0; i < logits.length; i++) {
    buffer.set(logits[i]);
    total -= logSoftmaxInPlace(buffer, t)[ys[i]];
  }
  return total / Math.max(1, logits.length);
}

/** The temperature minimising NLL (golden-section search on [0.2, 10]). */
export function fitTemperature(logits: readonly Float64Array[], ys: readonly number[]): number {
  let lo = 0.2;
  let hi = 10;
  const ratio = (Math.sqrt(5) - 1) / 2;
  for (let i = 0; i < 60; i++) {
    const a = hi - ratio * (hi - lo);
    const b = lo + ratio * (hi - lo);
    if (temperatureNll(logits, ys, a) < temperatureNll(logits, ys, b)) hi = b;
    else lo = a;
  }
  return Number(((lo + hi) / 2).toFixed(4));
}

function logLoss(
  x: readonly (readonly number[])[],
  positive: readonly boolean[],
  w: readonly number[],
  weights?: readonly number[],
): number {
  let total = 0;
  for (let i = 0; i < x.length; i++) {
    const p = Math.min(1 - 1e-12, Math.max(1e-12, sigmoid(dot(w, x[i]))));
    total -= (weights?.[i] ?? 1) * (positive[i] ? Math.log(p) : Math.log(1 - p));
  }
  return total / Math.max(1, x.length);
}

function dot(w: readonly number[], x: readonly number[]): number {
  let sum = 0;
  for (let k = 0; k < w.length; k++) sum += w[k] * x[k];
  return sum;
}

/** Solves the small linear system h·d = g (Gaussian elimination); null when singular. */
function solve(h: number[][], g: number[]): number[] | null {
  const n = g.length;
  const a = h.map((row, i) => [...row, g[i]]);
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r][c]) > Math.abs(a[pivot][c])) pivot = r;
    if (Math.abs(a[pivot][c]) < 1e-12) return null;
    [a[c], a[pivot]] = [a[pivot], a[c]];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = a[r][c] / a[c][c];
      for (let k = c; k <= n; k++) a[r][k] -= f * a[c][k];
    }
  }
  return a.map((row, i) => row[n] / row[i]);
}

/**
 * A small logistic regression (inputs x[i], with the bias as the last input fixed to 1) by
 * Newton steps halved until the loss decreases (plain Newton overshoots when the classes are
 * nearly separable). Used for Platt scaling of the safety detector, with the heuristic's safety
 * score as a second input.
 */
export function fitLogistic(
  x: readonly (readonly number[])[],
  positive: readonly boolean[],
  weights?: readonly number[],
): number[] {
  const n = x[0]?.length ?? 0;
  let w: number[] = Array.from({ length: n }, (_, k) => (k === 0 ? 1 : 0));
  let loss = logLoss(x, positive, w, weights);
  for (let iteration = 0; iteration < 100; iteration++) {
    const g = new Array<number>(n).fill(0);
    const h = Array.from({ length: n }, (_, r) => Array.from({ length: n }, (_, c) => (r === c ? 1e-6 : 0)));
    for (let i = 0; i < x.length; i++) {
      const p = sigmoid(dot(w, x[i]));
      const weight = weights?.[i] ?? 1;
      const d = weight * (p - (positive[i] ? 1 : 0));
      const v = weight * p * (1 - p);
      for (let r = 0; r < n; r++) {
        g[r] += d * x[i][r];
        for (let c = 0; c < n; c++) h[r][c] += v * x[i][r] * x[i][c];
      }
    }
    let delta = solve(h, g);
    if (!delta) break;
    let next = logLoss(
      x,
      positive,
      w.map((wk, k) => wk - (delta as number[])[k]),
      weights,
    );
    for (let halvings = 0; halvings < 30 && !(next < loss); halvings++) {
      delta = delta.map((d) => d / 2);
      next = logLoss(
        x,
        positive,
        w.map((wk, k) => wk - (delta as number[])[k]),
        weights,
      );
    }
    if (!(next < loss)) break;
    w = w.map((wk, k) => wk - (delta as number[])[k]);
    const improvement = loss - next;
    loss = next;
    if (improvement < 1e-10) break;
  }
  return w.map((v) => Number(v.toPrecision(6)));
}

/** Platt scaling: a, b minimising the log loss of sigmoid(a·z + b). */
export function fitPlatt(z: readonly number[], positive: readonly boolean[]): { a: number; b: number } {
  const [a, b] = fitLogistic(
    z.map((v) => [v, 1]),
    positive,
  );
  return { a, b };
}

export interface SafetyOperatingPoint {
  threshold: number;
  recall: number;
  /** Mean of the per-group (per-source) recalls, when groups are given; else the recall. */
  macroRecall: number;
  precision: number;
  /** False alarms on the safe look-alikes. */
  falseAlarmRate: number;
}

/** Recall, precision and look-alike false alarms of the safety decision at `threshold`. */
export function safetyOperatingPoint(
  s: readonly number[],
  positive: readonly boolean[],
  lookalike: readonly boolean[],
  threshold: number,
  groups?: readonly string[],
): SafetyOperatingPoint {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let alarms = 0;
  let lookalikes = 0;
  const byGroup = new Map<string, [number, number]>();
  for (let i = 0; i < s.length; i++) {
    const flagged = s[i] >= threshold;
    if (positive[i]) {
      if (flagged) tp++;
      else fn++;
      const key = groups?.[i] ?? '';
      const entry = byGroup.get(key) ?? [0, 0];
      entry[0] += flagged ? 1 : 0;
      entry[1]++;
      byGroup.set(key, entry);
    } else if (flagged) fp++;
    if (lookalike[i] && !positive[i]) {
      lookalikes++;
      if (flagged) alarms++;
    }
  }
  let macro = 0;
  for (const [hit, n] of byGroup.values()) macro += hit / n;
  return {
    threshold,
    recall: tp / Math.max(1, tp + fn),
    macroRecall: macro / Math.max(1, byGroup.size),
    precision: tp / Math.max(1, tp + fp),
    falseAlarmRate: alarms / Math.max(1, lookalikes),
  };
}

/** What a safety review band (local safety probability in [threshold, flag)) sends to the LLM review. */
export interface SafetyReviewBand {
  threshold: number;
  /** Harmful rows the local decision missed, that reach the review: share of all harmful rows. */
  harmfulReviewed: number;
  /** Harmful rows the local decision flagged: share of all harmful rows. */
  harmfulFlagged: number;
  /** Benign rows (not look-alikes) that reach the review: share of them (extra model calls). */
  benignReviewed: number;
  /** Mean over groups (sources) of benignReviewed, when groups are given; else benignReviewed. */
  benignReviewedMacro: number;
  /** Safe look-alikes that reach the review: share of them. */
  lookalikesReviewed: number;
}

/**
 * The review band at `threshold`: requests the local decision did not flag (`flagged` false) whose
 * safety probability `s` is at least `threshold` go to the LLM review. The harmful share reviewed
 * bounds what the review can add to recall (if the reviewing model were always right); the benign
 * share is its cost in extra model calls.
 */
export function safetyReviewBand(
  s: readonly number[],
  flagged: readonly boolean[],
  positive: readonly boolean[],
  lookalike: readonly boolean[],
  threshold: number,
  groups?: readonly string[],
): SafetyReviewBand {
  let harmful = 0;
  let harmfulReviewed = 0;
  let harmfulFlagged = 0;
  let benign = 0;
  let benignReviewed = 0;
  let lookalikes = 0;
  let lookalikesReviewed = 0;
  const byGroup = new Map<string, [number, number]>();
  for (let i = 0; i < s.length; i++) {
    const reviewed = !flagged[i] && s[i] >= threshold;
    if (positive[i]) {
      harmful++;
      if (flagged[i]) harmfulFlagged++;
      else if (reviewed) harmfulReviewed++;
    } else if (lookalike[i]) {
      lookalikes++;
      if (reviewed) lookalikesReviewed++;
    } else {
      benign++;
      if (reviewed) benignReviewed++;
      const key = groups?.[i] ?? '';
      const entry = byGroup.get(key) ?? [0, 0];
      entry[0] += reviewed ? 1 : 0;
      entry[1]++;
      byGroup.set(key, entry);
    }
  }
  let macro = 0;
  for (const [hit, n] of byGroup.values()) macro += hit / n;
  return {
    threshold,
    harmfulReviewed: harmfulReviewed / Math.max(1, harmful),
    harmfulFlagged: harmfulFlagged / Math.max(1, harmful),
    benignReviewed: benignReviewed / Math.max(1, benign),
    benignReviewedMacro: macro / Math.max(1, byGroup.size),
    lookalikesReviewed: lookalikesReviewed / Math.max(1, lookalikes),
  };
}

/**
 * The safety threshold: the highest (per-source mean) recall whose look-alike false-alarm rate is
 * ≤ `maxFalseAlarms` and precision ≥ `minPrecision` (90 %: a false refusal costs more than a
 * missed flag). When none qualifies, the false-alarm bound still comes first (benign alarming
 * requests must pass, issue 10): the highest recall within it whatever the precision, else the
 * threshold with the fewest false alarms.
 */
export function chooseSafetyThreshold(
  s: readonly number[],
  positive: readonly boolean[],
  lookalike: readonly boolean[],
  maxFalseAlarms = 0.03,
  minPrecision = 0.9,
  groups?: readonly string[],
): SafetyOperatingPoint {
  let best: SafetyOperatingPoint | null = null;
  let withinAlarms: SafetyOperatingPoint | null = null;
  let fewestAlarms: SafetyOperatingPoint | null = null;
  for (const threshold of SAFETY_THRESHOLDS) {
    const point = safetyOperatingPoint(s, positive, lookalike, threshold, groups);
    if (!fewestAlarms || point.falseAlarmRate < fewestAlarms.falseAlarmRate) fewestAlarms = point;
    if (point.falseAlarmRate > maxFalseAlarms) continue;
    if (!withinAlarms || point.macroRecall > withinAlarms.macroRecall) withinAlarms = point;
    if (point.precision >= minPrecision && (!best || point.macroRecall > best.macroRecall)) best = point;
  }
  return (best ?? withinAlarms ?? fewestAlarms) as SafetyOperatingPoint;
}

/** Candidate thresholds: 0.05 to 0.95 by 0.01, then finer up to 0.995. */
const SAFETY_THRESHOLDS: readonly number[] = [
  ...Array.from({ length: 91 }, (_, k) => Number((0.05 + k * 0.01).toFixed(2))),
  0.96,
  0.97,
  0.975,
  0.98,
  0.985,
  0.99,
  0.995,
];

/**
 * Isotonic regression of correctness on confidence (pool adjacent violators), as at most
 * `maxPoints` interpolation points (x ascending, y non-decreasing).
 */
export function fitIsotonic(
  confidence: readonly number[],
  correct: readonly boolean[],
  maxPoints = 40,
): { x: number[]; y: number[] } {
  const order = confidence.map((_, i) => i).sort((a, b) => confidence[a] - confidence[b]);
  const blocks: Array<{ sum: number; count: number; xSum: number }> = [];
  for (const i of order) {
    blocks.push({ sum: correct[i] ? 1 : 0, count: 1, xSum: confidence[i] });
    while (blocks.length > 1) {
      const last = blocks[blocks.length - 1];
      const previous = blocks[blocks.length - 2];
      if (previous.sum / previous.count <= last.sum / last.count) break;
      previous.sum += last.sum;
      previous.count += last.count;
      previous.xSum += last.xSum;
      blocks.pop();
    }
  }
  const x = blocks.map((b) => b.xSum / b.count);
  const y = blocks.map((b) => b.sum / b.count);
  if (x.length <= maxPoints) return { x: x.map(round4), y: y.map(round4) };
  const stride = (x.length - 1) / (maxPoints - 1);
  const xs: number[] = [];
  const ys: number[] = [];
  for (let k = 0; k < maxPoints; k++) {
    const at = Math.round(k * stride);
    xs.push(round4(x[at]));
    ys.push(round4(y[at]));
  }
  return { x: xs, y: ys };
}

function round4(v: number): number {
  return Math.round(v * 10_000) / 10_000;
}
