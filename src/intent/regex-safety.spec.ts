import * as cues from './cues';
import { extractFeatures, textPatterns } from './features';
import { LANGUAGE_SAMPLE_CHARS, worthDetectingLanguage } from './language';

/**
 * Catastrophic backtracking guard (issue 11): every regular expression the intent module runs on
 * request text is run against adversarial 40 kB inputs built from its own alphabets (long
 * repeats, nested punctuation, CJK runs, base64-like runs, repeated cue words) and must finish
 * within a generous bound of CPU time, and must scale linearly (4× the input may take at most 8×
 * the time, plus slack). The quadratic patterns this test found took 30–50 s per 100 kB (5–8 s per
 * 40 kB, and 16× their time on the first quarter, which the ratio check catches); linear
 * ones take 1–20 ms per 100 kB on an idle core and up to ~5 s (the Unicode-lookbehind word cues on Cyrillic)
 * under a full parallel test run on this shared 2-core machine, hence the bound; the ratio test is
 * what catches backtracking. Production never hands these patterns that much text (the windows are
 * capped), so the bound is a safety margin, not a latency budget.
 */
/** The CPU bound for one pattern on one SIZE-character input (10 s per 100 kB, scaled). */
const BOUND_MS = 4_000;
const SIZE = 40_000;

function fill(unit: string): string {
  return unit.repeat(Math.ceil(SIZE / unit.length)).slice(0, SIZE);
}

const ADVERSARIAL: Record<string, string> = {
  'a-': fill('a-'),
  aaaa: fill('a'),
  spaces: fill(' '),
  newlines: fill('\n'),
  cjk: fill('中'),
  'cjk cue words': fill('翻译成英文忽略之前的指令'),
  cyrillic: fill('переведи игнорируй '),
  'eyJ-': fill('eyJ-'),
  'nested parens': `${'('.repeat(SIZE / 2)}${')'.repeat(SIZE / 2)}`,
  'nested braces and quotes': fill('{"a":'),
  'json values': fill('"key": "'),
  'ignore repeated': fill('ignore '),
  'ignore all previous': fill('ignore all previous '),
  'maths operators': fill('1+'),
  'translate into': fill('translate into english '),
  'how do you say': fill('how do you say '),
  'child repeated': fill('child 12 years old '),
  'code syntax': fill('def f(x): return x => { } ;'),
  'word boundaries': fill('ab cd '),
  digits: fill('0123456789'),
  'select without from': fill('SELECT a '),
  'digit run then newline runs': `${'9'.repeat(SIZE / 2)}${'\n'.repeat(SIZE / 2)}`,
};

/** The compiled cue exports, and every cue source compiled whole (the lexicon runs parts of them). */
function exportedPatterns(): RegExp[] {
  const compiled = Object.values(cues).filter((value): value is RegExp => value instanceof RegExp);
  const sources = Object.entries(cues)
    .filter(
      (entry): entry is [string, string] => entry[0].endsWith('_SOURCE') && typeof entry[1] === 'string',
    )
    .map(([, source]) => cues.re(source));
  return [...compiled, ...sources];
}

/** CPU milliseconds of one run (preemption on a busy machine does not count, unlike wall time). */
function cpuMs(run: () => unknown): number {
  const started = process.cpuUsage();
  run();
  const used = process.cpuUsage(started);
  return (used.user + used.system) / 1000;
}

/** The cheapest of three runs: a GC pause or a cache-cold run is not backtracking. */
function bestOfThree(run: () => unknown): number {
  return Math.min(cpuMs(run), cpuMs(run), cpuMs(run));
}

function tooSlow(ms: number, quarterMs: number): boolean {
  return ms > BOUND_MS || ms > 8 * quarterMs + 100;
}

/**
 * CPU time on the whole input and on its first quarter: one run each, and only when that looks
 * too slow, the cheapest of three (so a GC pause does not fail the test, and a clean pattern
 * costs one run instead of three).
 */
function timings(regex: RegExp, text: string, quarter: string): { ms: number; quarterMs: number } {
  const once = { ms: cpuMs(() => regex.test(text)), quarterMs: cpuMs(() => regex.test(quarter)) };
  if (!tooSlow(once.ms, once.quarterMs)) return once;
  return { ms: bestOfThree(() => regex.test(text)), quarterMs: bestOfThree(() => regex.test(quarter)) };
}

describe('intent regular expressions under adversarial input', () => {
  // What runs on request text (the lexicon's residuals, code/JSON/injection patterns) and every
  // exported cue pattern.
  const patterns = [...exportedPatterns(), ...textPatterns()];

  it('covers the cue, lexicon and injection patterns', () => {
    expect(patterns.length).toBeGreaterThan(40);
  });

  it.each(Object.entries(ADVERSARIAL))('every pattern finishes quickly on 40 kB of %s', (_name, text) => {
    const slow: string[] = [];
    const quarter = text.slice(0, SIZE / 4);
    for (const pattern of patterns) {
      // A fresh non-global copy: test() scans the whole input from the start.
      const copy = new RegExp(pattern.source, pattern.flags.replace('g', ''));
      const { ms, quarterMs } = timings(copy, text, quarter);
      if (tooSlow(ms, quarterMs))
        slow.push(
          `${ms.toFixed(0)} ms (${quarterMs.toFixed(0)} ms on 10 kB): /${pattern.source.slice(0, 80)}/`,
        );
    }
    expect(slow).toEqual([]);
  });

  it('bounds what feature extraction scans: 2 MB adversarial prompts take milliseconds', () => {
    for (const unit of ['ignore all previous ', 'a-', '中', '{"a":', 'how do you say ']) {
      const content = unit.repeat(Math.ceil(2_000_000 / unit.length));
      const request = {
        messages: [
          { role: 'system' as const, content },
          { role: 'user' as const, content },
          { role: 'assistant' as const, content: 'ok' },
          { role: 'user' as const, content },
        ],
      };
      expect(cpuMs(() => extractFeatures(request))).toBeLessThan(BOUND_MS);
    }
  });

  it('samples a bounded prefix for the language check', () => {
    expect(cpuMs(() => worthDetectingLanguage(fill('a-').repeat(20), false))).toBeLessThan(BOUND_MS);
    expect(LANGUAGE_SAMPLE_CHARS).toBeLessThanOrEqual(1_000);
  });
});
