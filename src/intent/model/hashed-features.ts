import { CUE_NAMES } from '../features';
import type { IntentFeatures } from '../features';

/**
 * Sparse hashed features for the trained intent model (the "hashing trick"): word unigrams and
 * bigrams of the last user turn, character unigrams and bigrams of unspaced scripts (CJK, kana,
 * Thai), code punctuation, system-prompt words, and the heuristic cue bits and structure as
 * tokens. Each token is hashed with 32-bit FNV-1a into `2^bits` buckets, so the vocabulary is
 * open (unseen languages and words still land somewhere) and the model size is fixed.
 *
 * Shared by training (scripts/train-intent.ts) and inference: both must hash identically.
 */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
/** Words longer than this are cut (long identifiers and URLs add nothing past a prefix). */
const MAX_WORD_CHARS = 24;
/** The model reads the same windows as the cue patterns; the system prompt less. */
const SYSTEM_WORDS = 60;

/** FNV-1a over a string's UTF-16 code units, continuing from `hash`. */
export function fnv1a(text: string, hash = FNV_OFFSET): number {
  let h = hash >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME) >>> 0;
  }
  return h;
}

/** Combines two hashes (for bigrams) without building the bigram string. */
function mix(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, FNV_PRIME) >>> 0;
  h ^= b;
  h = Math.imul(h, FNV_PRIME) >>> 0;
  return h ^ (h >>> 15);
}

const SEED_WORD = fnv1a('w:');
const SEED_CHAR = fnv1a('u:');
const SEED_PUNCT = fnv1a('p:');
const SEED_SYSTEM = fnv1a('s:');
const CUE_TOKENS = CUE_NAMES.map((name) => ({
  last: fnv1a(`c:${name}`),
  system: fnv1a(`sc:${name}`),
  previous: fnv1a(`pc:${name}`),
}));
const TOKEN_IMAGE = fnv1a('img');
const TOKEN_EARLIER_IMAGE = fnv1a('img:earlier');
const TOKEN_OTHER_PART = fnv1a('part:other');
const TOKEN_TOOLS = fnv1a('tools');
const TOKEN_RESPONSE_FORMAT: Record<string, number> = {
  json_object: fnv1a('rf:json_object'),
  json_schema: fnv1a('rf:json_schema'),
  text: fnv1a('rf:text'),
};
const TOKEN_MULTI_TURN = fnv1a('turns:many');
const LENGTH_TOKENS = [8, 25, 60, 150, 400, Infinity].map((limit) => ({
  limit,
  hash: fnv1a(`len:<${limit}`),
}));
const SCRIPT_TOKENS: Record<string, number> = Object.fromEntries(
  ['latin', 'cjk', 'cyrillic', 'arabic', 'devanagari', 'hangul', 'other'].map((s) => [
    s,
    fnv1a(`script:${s}`),
  ]),
);
/** Punctuation that tells code, JSON and maths apart from prose. */
const INFORMATIVE_PUNCT = new Set('{}[]();=<>"`:#$%*/+\\|&^~@_'.split('').map((c) => c.charCodeAt(0)));

/** Character classes of the tokenizer. */
const CharKind = { Space: 0, Word: 1, Unspaced: 2, Punct: 3 } as const;
type CharKind = (typeof CharKind)[keyof typeof CharKind];

function charKind(c: number): CharKind {
  if (c < 128) {
    if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || (c >= 65 && c <= 90)) return CharKind.Word;
    if (c === 32 || c === 10 || c === 9 || c === 13) return CharKind.Space;
    return INFORMATIVE_PUNCT.has(c) ? CharKind.Punct : CharKind.Space;
  }
  // CJK ideographs, kana, Thai, Lao, Khmer: no spaces between words.
  if (
    (c >= 0x3040 && c <= 0x30ff) ||
    (c >= 0x3400 && c <= 0x9fff) ||
    (c >= 0x0e00 && c <= 0x0eff) ||
    (c >= 0x1780 && c <= 0x17ff) ||
    (c >= 0xf900 && c <= 0xfaff)
  ) {
    return CharKind.Unspaced;
  }
  // General punctuation, CJK punctuation, full-width forms, symbols.
  if (
    (c >= 0x2000 && c <= 0x206f) ||
    (c >= 0x3000 && c <= 0x303f) ||
    (c >= 0xff00 && c <= 0xff65) ||
    c === 0xa0 ||
    c === 0xbf ||
    c === 0xa1 ||
    c === 0xab ||
    c === 0xbb
  ) {
    return CharKind.Space;
  }
  return CharKind.Word; // accented Latin, Greek, Cyrillic, Arabic, Devanagari, Hangul...
}

/**
 * Appends the hashes of the tokens of `text` (lower-cased) to `out`. Words give unigrams and
 * bigrams; unspaced scripts give character unigrams and bigrams.
 */
function addTextTokens(
  text: string,
  out: number[],
  wordSeed: number,
  bigrams: boolean,
  maxWords = Infinity,
): void {
  let previous = 0;
  let words = 0;
  let i = 0;
  const n = text.length;
  while (i < n && words < maxWords) {
    const c = text.charCodeAt(i);
    const kind = charKind(c);
    if (kind === CharKind.Space) {
      i++;
      continue;
    }
    if (kind === CharKind.Punct) {
      out.push(fnv1a(text[i], SEED_PUNCT));
      i++;
      continue;
    }
    if (kind === CharKind.Unspaced) {
      const h = fnv1a(text[i], SEED_CHAR);
      out.push(h);
      if (bigrams && i + 1 < n && charKind(text.charCodeAt(i + 1)) === CharKind.Unspaced) {
        out.push(mix(h, text.charCodeAt(i + 1)));
      }
      previous = h;
      words++;
      i++;
      continue;
    }
    let h = wordSeed;
    let length = 0;
    while (i < n && charKind(text.charCodeAt(i)) === CharKind.Word) {
      if (length < MAX_WORD_CHARS) {
        h ^= text.charCodeAt(i);
        h = Math.imul(h, FNV_PRIME) >>> 0;
      }
      length++;
      i++;
    }
    out.push(h);
    if (bigrams && previous !== 0) out.push(mix(previous, h));
    previous = h;
    words++;
  }
}

/**
 * The hashed feature tokens of a request's features (unbucketed 32-bit hashes, possibly
 * repeated). Deterministic.
 */
export function featureHashes(f: IntentFeatures): number[] {
  const out: number[] = [];
  addTextTokens(f.lastUserText.toLowerCase(), out, SEED_WORD, true);
  if (f.systemText.length > 0)
    addTextTokens(f.systemText.toLowerCase(), out, SEED_SYSTEM, false, SYSTEM_WORDS);
  for (let bit = 0; bit < CUE_TOKENS.length; bit++) {
    const mask = 1 << bit;
    if ((f.lastCues & mask) !== 0) out.push(CUE_TOKENS[bit].last);
    if ((f.systemCues & mask) !== 0) out.push(CUE_TOKENS[bit].system);
    if ((f.previousCues & mask) !== 0) out.push(CUE_TOKENS[bit].previous);
  }
  if (f.imageParts > 0) out.push(TOKEN_IMAGE);
  if (f.earlierImageParts > 0) out.push(TOKEN_EARLIER_IMAGE);
  if (f.otherParts > 0) out.push(TOKEN_OTHER_PART);
  if (f.hasTools) out.push(TOKEN_TOOLS);
  if (f.responseFormat) out.push(TOKEN_RESPONSE_FORMAT[f.responseFormat]);
  if (f.userTurns > 1) out.push(TOKEN_MULTI_TURN);
  for (const { limit, hash } of LENGTH_TOKENS) {
    if (f.lastUserTokens < limit) {
      out.push(hash);
      break;
    }
  }
  out.push(SCRIPT_TOKENS[f.script]);
  return out;
}

/** A sparse vector: bucket indices with their values (L2-normalised counts). */
export interface SparseVector {
  indices: Int32Array;
  values: Float64Array;
}

/** Buckets hashes into `2^bits` slots, sums repeats and L2-normalises. */
export function toSparseVector(hashes: readonly number[], bits: number): SparseVector {
  const mask = (1 << bits) - 1;
  const counts = new Map<number, number>();
  for (const h of hashes) {
    const index = (h ^ (h >>> bits)) & mask;
    counts.set(index, (counts.get(index) ?? 0) + 1);
  }
  const indices = new Int32Array(counts.size);
  const values = new Float64Array(counts.size);
  let norm = 0;
  let k = 0;
  for (const [index, count] of counts) {
    indices[k] = index;
    values[k] = count;
    norm += count * count;
    k++;
  }
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let i = 0; i < values.length; i++) values[i] *= scale;
  return { indices, values };
}
