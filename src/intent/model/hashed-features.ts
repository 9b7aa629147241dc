import { CUE_NAMES } from '../features';
import type { IntentFeatures } from '../features';

/**
 * Sparse hashed features for the trained intent model (the "hashing trick"): word unigrams and
 * bigrams and character trigrams of the last user turn, character unigrams, bigrams and
 * trigrams of unspaced scripts (CJK, kana, Thai), code punctuation, words of the system prompt
 * and of the previous user turn, and the heuristic cue bits and structure as tokens. Each token
 * is hashed with 32-bit FNV-1a into `2^bits` buckets, so the vocabulary is open (unseen
 * languages and words still land somewhere) and the model size is fixed.
 *
 * Shared by training (src/intent/training) and inference: both must hash identically.
 * Bounded: the texts are the windows features.ts already cut (≤ 800 characters for the last
 * turn, ≤ 400 for the system prompt and the previous turn), at most MAX_LAST_WORDS words of the
 * last turn count, and character trigrams have a budget (MAX_TRIGRAMS, taken from the first
 * words), so a request costs at most ~700 hashes whatever its size. Hashes go into a reusable
 * typed buffer (no per-token allocation on the request path).
 */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
/** Words longer than this are cut (long identifiers and URLs add nothing past a prefix). */
const MAX_WORD_CHARS = 24;
/** Words of the system prompt and of the previous user turn that count. */
const SYSTEM_WORDS = 60;
const PREVIOUS_WORDS = 40;
/** Words (and unspaced characters) of the last user turn that count. */
const MAX_LAST_WORDS = 160;
/** Character trigrams of the last user turn that count (from its first words on). */
export const MAX_TRIGRAMS = 320;

/** A growable buffer of 32-bit token hashes, reused across calls (calls are synchronous). */
export class HashBuffer {
  data = new Uint32Array(1024);
  length = 0;

  push(h: number): void {
    if (this.length === this.data.length) {
      const bigger = new Uint32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = h;
  }

  toArray(): number[] {
    return Array.from(this.data.subarray(0, this.length));
  }
}

/** FNV-1a over a string's UTF-16 code units, continuing from `hash`. */
export function fnv1a(text: string, hash = FNV_OFFSET): number {
  let h = hash >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME) >>> 0;
  }
  return h;
}

/** Combines two hashes (for n-grams) without building the n-gram string. */
function mix(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, FNV_PRIME) >>> 0;
  h ^= b;
  h = Math.imul(h, FNV_PRIME) >>> 0;
  return h ^ (h >>> 15);
}

const SEED_WORD = fnv1a('w:');
const SEED_CHAR = fnv1a('u:');
const SEED_TRIGRAM = fnv1a('t:');
const SEED_PUNCT = fnv1a('p:');
const SEED_SYSTEM = fnv1a('s:');
const SEED_PREVIOUS = fnv1a('v:');
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
/** How many numbers the last user turn holds (word problems hold several). */
const NUMBER_TOKENS = [fnv1a('nums:1'), fnv1a('nums:2'), fnv1a('nums:3+')];
const TOKEN_SYSTEM = fnv1a('system:present');
const TOKEN_LONG_SYSTEM = fnv1a('system:long');
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
const INFORMATIVE_PUNCT = new Set('{}[]();=<>"`:#$%*/+\\|&^~@_?'.split('').map((c) => c.charCodeAt(0)));

/** Character classes of the tokenizer. */
const CharKind = { Space: 0, Word: 1, Unspaced: 2, Punct: 3 } as const;
type CharKind = (typeof CharKind)[keyof typeof CharKind];

/** Kind of every ASCII code unit, precomputed (the tokenizer's hot loop looks it up once per character). */
const ASCII_KIND = ((): Uint8Array => {
  const table = new Uint8Array(128);
  for (let c = 0; c < 128; c++) {
    if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || (c >= 65 && c <= 90)) table[c] = CharKind.Word;
    else if (c === 32 || c === 10 || c === 9 || c === 13) table[c] = CharKind.Space;
    else table[c] = INFORMATIVE_PUNCT.has(c) ? CharKind.Punct : CharKind.Space;
  }
  return table;
})();

/** Token hash of each informative ASCII punctuation character (fnv1a of the character, seeded). */
const PUNCT_HASH = Uint32Array.from({ length: 128 }, (_, c) => fnv1a(String.fromCharCode(c), SEED_PUNCT));

function charKind(c: number): CharKind {
  if (c < 128) return ASCII_KIND[c] as CharKind;
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

interface TextOptions {
  /** Words that start with a digit, counted here (the last user turn). */
  numbers: number;
  seed: number;
  /** Word bigrams, character trigrams and unspaced bigrams/trigrams too (the last user turn). */
  rich: boolean;
  maxWords: number;
  /** Character trigrams still allowed (rich only); decremented as they are added. */
  trigrams: number;
}

const SPACE_CODE = 32;

/** Character trigrams of one word (padded with a space on each side), at most `budget`; returns how many. */
function addWordTrigrams(text: string, start: number, end: number, out: HashBuffer, budget: number): number {
  if (end - start > MAX_WORD_CHARS) end = start + MAX_WORD_CHARS;
  if (end - start + 1 > budget) end = start + budget - 1;
  let a = SPACE_CODE;
  let b = text.charCodeAt(start);
  let added = 0;
  for (let i = start + 1; i <= end; i++) {
    const c = i < end ? text.charCodeAt(i) : SPACE_CODE;
    out.push(mix(mix(SEED_TRIGRAM ^ a, b), c));
    added++;
    a = b;
    b = c;
  }
  return added;
}

/** Appends the token hashes of one unspaced character (unigram, and n-grams when rich). */
function addUnspaced(text: string, i: number, out: HashBuffer, rich: boolean): number {
  const h = fnv1a(text[i], SEED_CHAR);
  out.push(h);
  if (rich && i + 1 < text.length && charKind(text.charCodeAt(i + 1)) === CharKind.Unspaced) {
    const bigram = mix(h, text.charCodeAt(i + 1));
    out.push(bigram);
    if (i + 2 < text.length && charKind(text.charCodeAt(i + 2)) === CharKind.Unspaced)
      out.push(mix(bigram, text.charCodeAt(i + 2)));
  }
  return h;
}

/** Appends the hashes of the tokens of `text` (lower-cased) to `out`. */
function addTextTokens(text: string, out: HashBuffer, options: TextOptions): void {
  let previous = 0;
  let words = 0;
  let i = 0;
  const n = text.length;
  while (i < n && words < options.maxWords) {
    const kind = charKind(text.charCodeAt(i));
    if (kind === CharKind.Space) {
      i++;
    } else if (kind === CharKind.Punct) {
      out.push(PUNCT_HASH[text.charCodeAt(i)]);
      i++;
    } else if (kind === CharKind.Unspaced) {
      previous = addUnspaced(text, i, out, options.rich);
      words++;
      i++;
    } else {
      const start = i;
      const first = text.charCodeAt(i);
      if (first >= 48 && first <= 57) options.numbers++;
      let h = options.seed;
      while (i < n && charKind(text.charCodeAt(i)) === CharKind.Word) {
        if (i - start < MAX_WORD_CHARS) h = Math.imul(h ^ text.charCodeAt(i), FNV_PRIME) >>> 0;
        i++;
      }
      out.push(h);
      if (options.rich) {
        if (previous !== 0) out.push(mix(previous, h));
        if (i - start >= 3 && options.trigrams > 1)
          options.trigrams -= addWordTrigrams(text, start, i, out, options.trigrams);
      }
      previous = h;
      words++;
    }
  }
}

/** Cue bits and structure as tokens. */
function addStructureTokens(f: IntentFeatures, out: HashBuffer): void {
  for (let bit = 0; bit < CUE_TOKENS.length; bit++) {
    const mask = 1 << bit;
    if ((f.lastCues & mask) !== 0) out.push(CUE_TOKENS[bit].last);
    if ((f.systemCues & mask) !== 0) out.push(CUE_TOKENS[bit].system);
    if ((f.previousCues & mask) !== 0) out.push(CUE_TOKENS[bit].previous);
  }
  if (f.imageParts > 0) for (let k = 0; k < 3; k++) out.push(TOKEN_IMAGE);
  if (f.earlierImageParts > 0) out.push(TOKEN_EARLIER_IMAGE);
  if (f.otherParts > 0) out.push(TOKEN_OTHER_PART);
  if (f.hasTools) out.push(TOKEN_TOOLS);
  if (f.responseFormat) out.push(TOKEN_RESPONSE_FORMAT[f.responseFormat]);
  if (f.userTurns > 1) out.push(TOKEN_MULTI_TURN);
  if (f.systemText.length > 0) out.push(TOKEN_SYSTEM);
  if (f.systemText.length >= 390) out.push(TOKEN_LONG_SYSTEM);
  for (const { limit, hash } of LENGTH_TOKENS) {
    if (f.lastUserTokens < limit) {
      out.push(hash);
      break;
    }
  }
  out.push(SCRIPT_TOKENS[f.script]);
}

/**
 * The hashed feature tokens of a request's features (unbucketed 32-bit hashes, possibly
 * repeated), written into `out` (reset first). Deterministic.
 */
export function featureHashes(f: IntentFeatures, out: HashBuffer = new HashBuffer()): HashBuffer {
  out.length = 0;
  const last: TextOptions = {
    numbers: 0,
    seed: SEED_WORD,
    rich: true,
    maxWords: MAX_LAST_WORDS,
    trigrams: MAX_TRIGRAMS,
  };
  addTextTokens(f.lastUserText.toLowerCase(), out, last);
  if (last.numbers > 0) out.push(NUMBER_TOKENS[Math.min(last.numbers, 3) - 1]);
  if (f.systemText.length > 0)
    addTextTokens(f.systemText.toLowerCase(), out, {
      numbers: 0,
      seed: SEED_SYSTEM,
      rich: false,
      maxWords: SYSTEM_WORDS,
      trigrams: 0,
    });
  if (f.previousUserText.length > 0) {
    addTextTokens(f.previousUserText.toLowerCase(), out, {
      numbers: 0,
      seed: SEED_PREVIOUS,
      rich: false,
      maxWords: PREVIOUS_WORDS,
      trigrams: 0,
    });
  }
  addStructureTokens(f, out);
  return out;
}

/** A sparse vector: bucket indices with their values (L2-normalised counts). */
export interface SparseVector {
  indices: Int32Array;
  values: Float64Array;
}

/** The bucket of a hash among `2^bits`. */
export function bucketOf(h: number, bits: number): number {
  return (h ^ (h >>> bits)) & ((1 << bits) - 1);
}

/** Reusable output arrays of toSparseVector (a view of them is returned; calls are synchronous). */
export interface SparseScratch {
  /** Counting buffer, length `2^bits`, all zero between calls. */
  counts: Uint16Array;
  indices: Int32Array;
  values: Float64Array;
}

export function sparseScratch(bits: number): SparseScratch {
  return {
    counts: new Uint16Array(1 << bits),
    indices: new Int32Array(1024),
    values: new Float64Array(1024),
  };
}

/**
 * Buckets hashes into `2^bits` slots, sums repeats and L2-normalises. The counting buffer makes
 * it linear-time without a Map or a sort; it is left all zero again. Indices come in first-seen
 * order (deterministic for a given input). With `reuse`, the result is a view of reusable arrays
 * (valid until the next call with the same scratch); without, fresh arrays (training keeps them).
 */
export function toSparseVector(
  hashes: HashBuffer,
  bits: number,
  scratch: SparseScratch = sparseScratch(bits),
  reuse = false,
): SparseVector {
  const counts = scratch.counts;
  if (scratch.indices.length < hashes.length) {
    scratch.indices = new Int32Array(hashes.data.length);
    scratch.values = new Float64Array(hashes.data.length);
  }
  const touched = scratch.indices;
  let n = 0;
  const data = hashes.data;
  for (let k = 0; k < hashes.length; k++) {
    const index = bucketOf(data[k], bits);
    if (counts[index] === 0) touched[n++] = index;
    if (counts[index] < 0xffff) counts[index]++;
  }
  const indices = reuse ? touched.subarray(0, n) : touched.slice(0, n);
  const values = reuse ? scratch.values.subarray(0, n) : new Float64Array(n);
  let norm = 0;
  for (let k = 0; k < n; k++) {
    const count = counts[indices[k]];
    counts[indices[k]] = 0;
    values[k] = count;
    norm += count * count;
  }
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let i = 0; i < n; i++) values[i] *= scale;
  return { indices, values };
}
