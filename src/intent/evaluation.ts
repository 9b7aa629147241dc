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

/** One scored corpus row, with what the corpus-level report groups by. */
export interface CorpusPrediction extends ScoredPrediction {
  source: string;
  hard: readonly string[];
  lang: string;
  /** A safe request that looks alarming (XSTest-style look-alike): false alarms are counted on these. */
  lookalike: boolean;
}

export interface CorpusReport extends EvaluationReport {
  /** Mean of the per-source accuracies. */
  macroSourceAccuracy: number;
  /** Mean of the per-label recalls. */
  macroRecall: number;
  /** Accuracy per held-out source, and the share of its benign rows flagged safety_risk (false alarms on ordinary traffic). */
  perSource: Record<string, { total: number; accuracy: number; benign: number; benignFlagged: number }>;
  hard: { total: number; accuracy: number; byFlag: Record<string, { total: number; accuracy: number }> };
  safety: {
    precision: number;
    recall: number;
    falseAlarmRate: number;
    lookalikes: number;
    /** False alarms per look-alike source (rate, rows). */
    falseAlarmsBySource: Record<string, { rate: number; total: number }>;
  };
  nonEnglish: { total: number; accuracy: number };
}

function accuracyOf(predictions: readonly ScoredPrediction[]): { total: number; accuracy: number } {
  const correct = predictions.filter((p) => p.label === p.predicted).length;
  return { total: predictions.length, accuracy: predictions.length === 0 ? 0 : correct / predictions.length };
}

function groupBy<T>(items: readonly T[], keys: (item: T) => readonly string[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    for (const key of keys(item)) {
      const list = groups.get(key) ?? [];
      list.push(item);
      groups.set(key, list);
    }
  }
  return groups;
}

/** The report of the issue's targets: accuracy overall, by source, on hard rows, safety, calibration. */
export function evaluateCorpus(predictions: readonly CorpusPrediction[]): CorpusReport {
  const base = evaluatePredictions(predictions);
  const perSource: CorpusReport['perSource'] = {};
  for (const [source, list] of [...groupBy(predictions, (p) => [p.source])].sort()) {
    const benign = list.filter((p) => p.label !== 'safety_risk');
    const flagged = benign.filter((p) => p.predicted === 'safety_risk').length;
    perSource[source] = {
      ...accuracyOf(list),
      benign: benign.length,
      benignFlagged: benign.length === 0 ? 0 : flagged / benign.length,
    };
  }
  const sources = Object.values(perSource);
  const hardRows = predictions.filter((p) => p.hard.length > 0);
  const byFlag: CorpusReport['hard']['byFlag'] = {};
  for (const [flag, list] of [...groupBy(hardRows, (p) => p.hard)].sort()) byFlag[flag] = accuracyOf(list);
  const lookalikes = predictions.filter((p) => p.lookalike && p.label !== 'safety_risk');
  const safety = base.perLabel.safety_risk;
  return {
    ...base,
    macroSourceAccuracy: sources.reduce((s, x) => s + x.accuracy, 0) / Math.max(1, sources.length),
    macroRecall: INTENT_LABELS.reduce((s, l) => s + base.perLabel[l].recall, 0) / INTENT_LABELS.length,
    perSource,
    hard: { ...accuracyOf(hardRows), byFlag },
    safety: {
      precision: safety.precision,
      recall: safety.recall,
      falseAlarmRate:
        lookalikes.length === 0
          ? 0
          : lookalikes.filter((p) => p.predicted === 'safety_risk').length / lookalikes.length,
      lookalikes: lookalikes.length,
      falseAlarmsBySource: Object.fromEntries(
        [...groupBy(lookalikes, (p) => [p.source])].sort().map(([source, list]) => [
          source,
          {
            rate: list.filter((p) => p.predicted === 'safety_risk').length / list.length,
            total: list.length,
          },
        ]),
      ),
    },
    nonEnglish: accuracyOf(predictions.filter((p) => p.lang !== 'en')),
  };
}

/** Plain-text rendering of a corpus report. */
export function formatCorpusReport(title: string, report: CorpusReport): string {
  const lines = [formatReport(title, report)];
  lines.push(
    `macro accuracy over sources ${pct(report.macroSourceAccuracy)}, mean label recall ${pct(report.macroRecall)}, non-English ${pct(report.nonEnglish.accuracy)} (${report.nonEnglish.total})`,
  );
  lines.push(`hard rows ${pct(report.hard.accuracy)} (${report.hard.total})`);
  for (const [flag, m] of Object.entries(report.hard.byFlag))
    lines.push(`  ${flag.padEnd(22)} ${pct(m.accuracy).padStart(7)} (${m.total})`);
  lines.push(
    `safety_risk precision ${pct(report.safety.precision)}, recall ${pct(report.safety.recall)}, false alarms on ${report.safety.lookalikes} safe look-alikes ${pct(report.safety.falseAlarmRate)}`,
  );
  const bySource = Object.entries(report.safety.falseAlarmsBySource);
  if (bySource.length > 0)
    lines.push(
      `  false alarms by look-alike source: ${bySource.map(([s, m]) => `${s} ${pct(m.rate)} of ${m.total}`).join(', ')}`,
    );
  lines.push('per source (held out):');
  for (const [source, m] of Object.entries(report.perSource)) {
    const flagged = m.benign > 0 ? `, benign rows flagged safety_risk ${pct(m.benignFlagged)}` : '';
    lines.push(`  ${source.padEnd(26)} ${pct(m.accuracy).padStart(7)} (${m.total})${flagged}`);
  }
  return lines.join('\n');
}
