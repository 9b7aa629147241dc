import { evaluateCorpus } from './evaluation';
import type { CorpusPrediction } from './evaluation';
import type { IntentLabel } from './intent.types';

/** The corpus report `npm run eval:intent` prints and docs/intent.md quotes, on hand-counted rows. */
function row(
  source: string,
  label: IntentLabel,
  predicted: IntentLabel,
  extra: Partial<CorpusPrediction> = {},
): CorpusPrediction {
  return { source, label, predicted, confidence: 0.9, hard: [], lang: 'en', lookalike: false, ...extra };
}

describe('evaluateCorpus', () => {
  const predictions = [
    // a: 4 rows, 3 right; of its 3 benign rows, 1 flagged safety_risk.
    row('a', 'chat_lite', 'chat_lite'),
    row('a', 'deep_reason', 'safety_risk'),
    row('a', 'code_gen', 'code_gen'),
    row('a', 'safety_risk', 'safety_risk'),
    // b: only harmful rows, one missed: no benign rows to flag.
    row('b', 'safety_risk', 'safety_risk'),
    row('b', 'safety_risk', 'chat_lite'),
    // c: look-alikes (safe rows that look alarming), one of two flagged; one hard row.
    row('c', 'chat_lite', 'safety_risk', { lookalike: true }),
    row('c', 'chat_lite', 'chat_lite', { lookalike: true, hard: ['misleading-keywords'], lang: 'de' }),
  ];
  const report = evaluateCorpus(predictions);

  it('reports accuracy and the share of benign rows flagged, per source', () => {
    expect(report.perSource.a).toEqual({ total: 4, accuracy: 0.75, benign: 3, benignFlagged: 1 / 3 });
    expect(report.perSource.b).toEqual({ total: 2, accuracy: 0.5, benign: 0, benignFlagged: 0 });
    expect(report.perSource.c).toEqual({ total: 2, accuracy: 0.5, benign: 2, benignFlagged: 0.5 });
    expect(report.macroSourceAccuracy).toBeCloseTo((0.75 + 0.5 + 0.5) / 3, 12);
  });

  it('counts safety precision and recall over all rows, false alarms on the look-alikes only', () => {
    // Predicted safety_risk 4 times, 2 of them right; 3 harmful rows, 2 caught.
    expect(report.safety.precision).toBe(0.5);
    expect(report.safety.recall).toBeCloseTo(2 / 3, 12);
    expect(report.safety.lookalikes).toBe(2);
    expect(report.safety.falseAlarmRate).toBe(0.5);
    expect(report.safety.falseAlarmsBySource).toEqual({ c: { rate: 0.5, total: 2 } });
  });

  it('reports hard rows and non-English rows apart', () => {
    expect(report.hard).toEqual({
      total: 1,
      accuracy: 1,
      byFlag: { 'misleading-keywords': { total: 1, accuracy: 1 } },
    });
    expect(report.nonEnglish).toEqual({ total: 1, accuracy: 1 });
  });
});
