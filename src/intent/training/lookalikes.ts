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
