import { re } from './cues';

/**
 * Fast cue matching. A cue pattern's top-level alternatives that are plain words (`\bword\b`,
 * `\b(?:w1|w2)\b`) go into one shared word → cue-bits Map, looked up once per word of the text
 * (a single scan serves every cue); the other alternatives stay a "residual" RegExp, split into
 * the part that can match ASCII text and the part that needs non-ASCII characters (CJK,
 * Cyrillic... phrases), which runs only when the text has such characters. A regex alternation
 * costs ~10 ns per character scanned; a Map lookup per word is far cheaper, so most of the cost
 * of the cue patterns goes away while their meaning stays exactly the same.
 */

/** Splits a pattern source at its top-level `|` (outside groups and character classes). */
export function splitAlternatives(source: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let inClass = false;
  let start = 0;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i];
    if (ch === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (ch === ']') inClass = false;
      continue;
    }
    if (ch === '[') inClass = true;
    else if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === '|' && depth === 0) {
      parts.push(source.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(source.slice(start));
  return parts;
}

const PURE_WORD = /^[\p{L}\p{N}_]+$/u;
/** Scripts written without spaces: their words never stand alone as tokens. */
const UNSPACED = /[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\u0e00-\u0e7f]/u;

function isLexiconWord(word: string): boolean {
  return PURE_WORD.test(word) && !UNSPACED.test(word);
}

/** Index of the `)` closing the group opened at `open`, or -1. */
function closingParen(source: string, open: number): number {
  let depth = 0;
  let inClass = false;
  for (let i = open; i < source.length; i++) {
    const ch = source[i];
    if (ch === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (ch === ']') inClass = false;
    } else if (ch === '[') inClass = true;
    else if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) return i;
  }
  return -1;
}

/**
 * Splits an alternative `\bword\b` or `\b(?:w1|w2|...)\b` into its plain words and the rest
 * (re-wrapped as `\b(?:rest)\b`); null when the alternative has another shape.
 */
export function splitWordAlternative(alternative: string): { words: string[]; rest: string | null } | null {
  if (!alternative.startsWith('\\b') || !alternative.endsWith('\\b')) return null;
  const inner = alternative.slice(2, -2);
  if (isLexiconWord(inner)) return { words: [inner], rest: null };
  if (!inner.startsWith('(?:') || closingParen(inner, 0) !== inner.length - 1) return null;
  const words: string[] = [];
  const rest: string[] = [];
  for (const option of splitAlternatives(inner.slice(3, -1)))
    (isLexiconWord(option) ? words : rest).push(option);
  return { words, rest: rest.length > 0 ? `\\b(?:${rest.join('|')})\\b` : null };
}

const ASCII_ONLY = /^[\x20-\x7e]*$/;

/** True when a residual alternative can only match text with non-ASCII characters. */
function needsNonAscii(alternative: string): boolean {
  // Drop escapes and classes: what is left are the literal characters it must match.
  const literals = alternative.replace(/\\[pP]\{[^}]*\}|\\./g, '').replace(/\[[^\]]*\]/g, '');
  return !/[a-z0-9]/i.test(literals) && !ASCII_ONLY.test(literals);
}

interface Residual {
  bit: number;
  /**
   * Alternatives that begin with a whole word, anchored with `^`: tested only where one of those
   * words starts (on a bounded slice), not scanned over the whole text.
   */
  gated: RegExp | null;
  gateBit: number;
  /** Other ASCII-matchable alternatives: always run. */
  ungated: RegExp | null;
  /** Alternatives that need non-ASCII characters: run only when the text has some. */
  nonAscii: RegExp | null;
}

/** Result of the word scan: cue bits found by words, and which residual gates opened where. */
export interface WordScan {
  cues: number;
  gates: number;
  /** Pairs (start offset, gate bits) of the words that opened gates, in text order. */
  gateHits: number[];
}

interface WordEntry {
  cues: number;
  gates: number;
}

/**
 * The whole words an alternative must start with (`\bword `, `\bword\b`, `\bwords?\b`,
 * `\b(?:w1|w2)\s`...), or null when it does not start with a complete word (then it cannot be
 * gated). A word at the very end of an alternative is a prefix stem, not a complete word.
 */
export function leadingWords(alternative: string): string[] | null {
  const single = /^\\b([\p{L}\p{N}_]+)(s\?)?(\\b|\\s| )/u.exec(alternative);
  if (single) {
    if (!isLexiconWord(single[1])) return null;
    return single[2] ? [single[1], `${single[1]}s`] : [single[1]];
  }
  if (!alternative.startsWith('\\b(?:')) return null;
  const close = closingParen(alternative, 2);
  if (close < 0 || !/^(\\b|\\s| )/.test(alternative.slice(close + 1))) return null;
  const words = splitAlternatives(alternative.slice(5, close));
  return words.every(isLexiconWord) ? words : null;
}

/** Characters after a gate word that an anchored residual may need to see. */
const GATED_LOOKAHEAD_CHARS = 320;

/** Compiled cue patterns: the shared word map and each cue's residual patterns. */
export class CueLexicon {
  private readonly words = new Map<string, WordEntry>();
  private readonly residuals: Residual[] = [];

  constructor(entries: ReadonlyArray<{ bit: number; source: string }>) {
    if (entries.length > 31) throw new Error('CueLexicon holds at most 31 patterns');
    entries.forEach(({ bit, source }, index) => {
      const gateBit = 1 << index;
      const gated: string[] = [];
      const ungated: string[] = [];
      const nonAscii: string[] = [];
      for (const alternative of splitAlternatives(source)) {
        const split = splitWordAlternative(alternative);
        for (const word of split?.words ?? []) this.entry(word).cues |= bit;
        for (const rest of split
          ? split.rest === null
            ? []
            : splitAlternatives(split.rest.slice(5, -3)).map((r) => String.raw`\b${r}\b`)
          : [alternative]) {
          const lead = leadingWords(rest);
          if (lead) {
            for (const word of lead) this.entry(word).gates |= gateBit;
            // Gated alternatives run anchored on a slice that starts at the gate word (gatedMatch),
            // where the opening `\b` always holds: dropping it saves V8 parsing one Unicode
            // lookbehind per alternative at start-up, without changing what matches.
            gated.push(rest.slice(2));
          } else {
            (needsNonAscii(rest) ? nonAscii : ungated).push(rest);
          }
        }
      }
      const compile = (parts: string[]): RegExp | null => (parts.length > 0 ? re(parts.join('|')) : null);
      const residual: Residual = {
        bit,
        gateBit,
        gated: gated.length > 0 ? re(`^(?:${gated.join('|')})`) : null,
        ungated: compile(ungated),
        nonAscii: compile(nonAscii),
      };
      if (residual.gated || residual.ungated || residual.nonAscii) this.residuals.push(residual);
    });
  }

  /** Every compiled residual pattern (for the backtracking tests). */
  patterns(): RegExp[] {
    return this.residuals.flatMap((r) =>
      [r.gated, r.ungated, r.nonAscii].filter((p): p is RegExp => p !== null),
    );
  }

  private entry(word: string): WordEntry {
    let entry = this.words.get(word);
    if (!entry) {
      entry = { cues: 0, gates: 0 };
      this.words.set(word, entry);
    }
    return entry;
  }

  /** One pass over the words of `lower` ([\p{L}\p{N}_] runs): cue bits and open gates. */
  scanWords(lower: string): WordScan {
    let cues = 0;
    let gates = 0;
    const gateHits: number[] = [];
    let start = -1;
    for (let i = 0; i <= lower.length; i++) {
      const c = i < lower.length ? lower.charCodeAt(i) : 32;
      const wordChar =
        c < 128
          ? (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || (c >= 65 && c <= 90)
          : isNonAsciiWordChar(lower, i, c);
      if (wordChar) {
        if (start < 0) start = i;
      } else if (start >= 0) {
        const hit = this.words.get(lower.slice(start, i));
        if (hit !== undefined) {
          cues |= hit.cues;
          if (hit.gates !== 0) {
            gates |= hit.gates;
            gateHits.push(start, hit.gates);
          }
        }
        start = -1;
      }
    }
    return { cues, gates, gateHits };
  }

  /** Runs the residual patterns of the cues in `only`: gated ones only where their words start. */
  scanResiduals(lower: string, hasNonAscii: boolean, only: number, scan: WordScan): number {
    let bits = 0;
    for (const r of this.residuals) {
      if ((r.bit & only) === 0) continue;
      if (
        (r.gated !== null &&
          (scan.gates & r.gateBit) !== 0 &&
          gatedMatch(r.gated, r.gateBit, lower, scan.gateHits)) ||
        (r.ungated !== null && r.ungated.test(lower)) ||
        (hasNonAscii && r.nonAscii !== null && r.nonAscii.test(lower))
      ) {
        bits |= r.bit;
      }
    }
    return bits;
  }
}

/**
 * Tests an anchored pattern at each start of a word that opened its gate. The slice starts at a
 * word start, so the pattern's opening "no letter before" holds there as it does in the text.
 */
function gatedMatch(anchored: RegExp, gateBit: number, lower: string, gateHits: readonly number[]): boolean {
  for (let i = 0; i < gateHits.length; i += 2) {
    if ((gateHits[i + 1] & gateBit) === 0) continue;
    const start = gateHits[i];
    if (anchored.test(lower.slice(start, start + GATED_LOOKAHEAD_CHARS))) return true;
  }
  return false;
}

const LETTER_OR_DIGIT = /[\p{L}\p{N}\p{M}]/u;
/** Word characters beyond ASCII: common letter blocks by range, the rest by Unicode property. */
function isNonAsciiWordChar(text: string, index: number, code: number): boolean {
  if (code >= 0xc0 && code <= 0x24f) return code !== 0xd7 && code !== 0xf7; // Latin-1/Extended letters
  if (code >= 0x370 && code <= 0x52f) return true; // Greek, Cyrillic
  if (code >= 0x3040 && code <= 0x9fff) return code !== 0x30fb && !(code >= 0x3000 && code <= 0x303f); // kana, CJK
  if (code >= 0xac00 && code <= 0xd7af) return true; // Hangul
  if (code >= 0xd800 && code <= 0xdfff) return false; // surrogates (emoji, rare letters) end words
  if (code === 0x60c || code === 0x61f || code === 0x964 || code === 0x965) return false; // Arabic comma/question, danda
  return LETTER_OR_DIGIT.test(text[index]);
}
