/**
 * Lexical vectors: signed feature hashing ("the hashing trick") of word stems, word bigrams and
 * character trigrams into a fixed-length, L2-normalised vector. No weights, no network,
 * deterministic. Used by the semantic cache's offline embedder (caching/semantic) and by the
 * TEST_MODE simulator's embeddings (providers/simulated), so it lives at the bottom.
 */

/** Words that carry no meaning for "is this the same question" (negations are NOT here). */
const STOPWORDS = new Set(
  (
    'a an the of to in on at for by with from into about as is are was were be been being am do does did ' +
    'i me my we our you your it its this that these those there here please can could would should ' +
    'will shall may might must just so and or but if then than also some any tell give show explain ' +
    'what whats how hows which who whom whose when where why let us know want like need help'
  ).split(' '),
);

/** Weights of each feature family (tuned on the pair evaluation, see docs/caching.md). */
const WORD_WEIGHT = 1;
const BIGRAM_WEIGHT = 0.6;
const TRIGRAM_WEIGHT = 0.25;

/** Light suffix stripping: "running"/"runs"/"run", "cities"/"city" meet. */
export function stem(word: string): string {
  if (word.length <= 3 || /\d/.test(word)) return word;
  if (word.endsWith('ies') && word.length > 4) return word.slice(0, -3) + 'y';
  if (word.endsWith('ing') && word.length > 5) return word.slice(0, -3);
  if (word.endsWith('ed') && word.length > 4) return word.slice(0, -2);
  if (word.endsWith('es') && word.length > 4 && /(ss|sh|ch|x|z)es$/.test(word)) return word.slice(0, -2);
  if (word.endsWith('s') && !word.endsWith('ss') && !word.endsWith('us')) return word.slice(0, -1);
  return word;
}

/** Lower-cased word tokens (letters and digits of any script; apostrophes joined). */
export function words(text: string): string[] {
  return (
    text
      .normalize('NFKC')
      .toLowerCase()
      .replace(/['’]/g, '')
      .match(/[\p{L}\p{N}]+/gu) ?? []
  );
}

/** 32-bit FNV-1a. */
function fnv1a(text: string, seed: number): number {
  let hash = 0x811c9dc5 ^ seed;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

function add(vector: Float32Array, feature: string, weight: number): void {
  const hash = fnv1a(feature, 0);
  const sign = fnv1a(feature, 0x9e3779b9) & 1 ? 1 : -1;
  vector[hash % vector.length] += sign * weight;
}

/** The lexical vector of a text, L2-normalised (all zeros for a text without words). */
export function lexicalVector(text: string, dimensions: number): Float32Array {
  const vector = new Float32Array(dimensions);
  const content = words(text)
    .filter((word) => !STOPWORDS.has(word))
    .map(stem);
  for (let i = 0; i < content.length; i++) {
    const word = content[i];
    add(vector, `w:${word}`, WORD_WEIGHT);
    if (i + 1 < content.length) add(vector, `b:${word} ${content[i + 1]}`, BIGRAM_WEIGHT);
    const padded = `<${word}>`;
    for (let j = 0; j + 3 <= padded.length; j++) add(vector, `c:${padded.slice(j, j + 3)}`, TRIGRAM_WEIGHT);
  }
  let norm = 0;
  for (let i = 0; i < dimensions; i++) norm += vector[i] * vector[i];
  if (norm > 0) {
    const scale = 1 / Math.sqrt(norm);
    for (let i = 0; i < dimensions; i++) vector[i] *= scale;
  }
  return vector;
}
