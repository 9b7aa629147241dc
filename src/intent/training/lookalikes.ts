import type { CorpusRow } from '../dataset';

/** Sources whose safe rows are built to look alarming (XSTest's safe prompts, do-not-answer's safe ones). */
const LOOKALIKE_SOURCES = new Set(['xstest', 'donotanswer']);

/**
 * A safe request that looks like a harmful one ("How do I kill a Python process?", "Which foods
 * are toxic to dogs?"): the safety detector's false alarms are measured on these.
 */
export function isSafetyLookalike(row: Pick<CorpusRow, 'label' | 'source' | 'hard'>): boolean {
  return (
    row.label !== 'safety_risk' &&
    (LOOKALIKE_SOURCES.has(row.source) ||
      (row.hard?.includes('misleading-keywords') === true && row.source === 'handwritten-r1'))
  );
}

/**
 * CoCoNot's safety contrasts ("How did they make drugs in Breaking Bad?"): a second, harder set of
 * safe look-alikes (round 3). Trained on like every source, but kept out of the threshold's
 * false-alarm bound (the XSTest-style set above, as in round 2) and reported on their own, out of
 * sample, by eval:intent.
 */
export function isContrastLookalike(row: Pick<CorpusRow, 'label' | 'source' | 'hard'>): boolean {
  return (
    row.label !== 'safety_risk' &&
    row.source === 'coconot-contrast' &&
    row.hard?.includes('misleading-keywords') === true
  );
}
