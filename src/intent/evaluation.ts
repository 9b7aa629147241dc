import { INTENT_LABELS } from './intent.types';
import type { IntentLabel } from './intent.types';

/** One prediction to score: the true label, the predicted one and its confidence. */
export interface ScoredPrediction {
  label: IntentLabel;
  predicted: IntentLabel;
  confidence: number;
}

export interface LabelMetrics {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface ReliabilityBin {
  /** Bin range of confidence [low, high). */
  low: number;
  high: number;
  count: number;
  meanConfidence: number;
  accuracy: number;
}

export interface EvaluationReport {
  total: number;
  accuracy: number;
  perLabel: Record<IntentLabel, LabelMetrics>;
  /** confusion[true][predicted] */
  confusion: Record<IntentLabel, Record<IntentLabel, number>>;
  reliability: ReliabilityBin[];
  /** Expected calibration error over the reliability bins. */
  ece: number;
}

function zeroRow(): Record<IntentLabel, number> {
  return Object.fromEntries(INTENT_LABELS.map((label) => [label, 0])) as Record<IntentLabel, number>;
}

/** Accuracy, per-label precision/recall/F1, confusion matrix and calibration (ECE, 10 bins). */
export function evaluatePredictions(predictions: readonly ScoredPrediction[], bins = 10): EvaluationReport {
  const confusion = Object.fromEntries(INTENT_LABELS.map((label) => [label, zeroRow()])) as Record<
    IntentLabel,
    Record<IntentLabel, number>
  >;
  let correct = 0;
  for (const p of predictions) {
    confusion[p.label][p.predicted]++;
    if (p.label === p.predicted) correct++;
  }
  const perLabel = {} as Record<IntentLabel, LabelMetrics>;
  for (const label of INTENT_LABELS) {
    const tp = confusion[label][label];
    let predictedAs = 0;
    let support = 0;
    for (const other of INTENT_LABELS) {
      predictedAs += confusion[other][label];
      support += confusion[label][other];
    }
    const precision = predictedAs === 0 ? 0 : tp / predictedAs;
    const recall = support === 0 ? 0 : tp / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    perLabel[label] = { precision, recall, f1, support };
  }
  const reliability: ReliabilityBin[] = [];
  let ece = 0;
  for (let b = 0; b < bins; b++) {
    const low = b / bins;
    const high = (b + 1) / bins;
    const inBin = predictions.filter(
      (p) => p.confidence >= low && (p.confidence < high || (b === bins - 1 && p.confidence <= high)),
    );
    const count = inBin.length;
    const meanConfidence = count === 0 ? 0 : inBin.reduce((s, p) => s + p.confidence, 0) / count;
    const accuracy = count === 0 ? 0 : inBin.filter((p) => p.label === p.predicted).length / count;
    reliability.push({ low, high, count, meanConfidence, accuracy });
    if (predictions.length > 0) ece += (count / predictions.length) * Math.abs(accuracy - meanConfidence);
  }
  return {
    total: predictions.length,
    accuracy: predictions.length === 0 ? 0 : correct / predictions.length,
    perLabel,
    confusion,
    reliability,
    ece,
  };
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

/** A plain-text rendering of a report (for `npm run eval:intent`). */
export function formatReport(title: string, report: EvaluationReport): string {
  const lines: string[] = [];
  lines.push(
    `== ${title}: accuracy ${pct(report.accuracy)} on ${report.total} examples, ECE ${report.ece.toFixed(3)}`,
  );
  lines.push('label          precision  recall     f1  support');
  for (const label of INTENT_LABELS) {
    const m = report.perLabel[label];
    lines.push(
      `${label.padEnd(14)} ${pct(m.precision).padStart(9)} ${pct(m.recall).padStart(7)} ${m.f1.toFixed(3).padStart(6)} ${String(m.support).padStart(8)}`,
    );
  }
  const short = INTENT_LABELS.map((label) => label.slice(0, 6).padStart(7)).join('');
  lines.push(`confusion (rows: true, columns: predicted)\n${''.padEnd(14)}${short}`);
  for (const label of INTENT_LABELS) {
    lines.push(
      `${label.padEnd(14)}${INTENT_LABELS.map((p) => String(report.confusion[label][p]).padStart(7)).join('')}`,
    );
  }
  lines.push('reliability: confidence bin -> count, mean confidence, accuracy');
  for (const bin of report.reliability) {
    if (bin.count === 0) continue;
    lines.push(
      `  [${bin.low.toFixed(1)}, ${bin.high.toFixed(1)})  ${String(bin.count).padStart(4)}  ${bin.meanConfidence.toFixed(3)}  ${bin.accuracy.toFixed(3)}`,
    );
  }
  return lines.join('\n');
}
