import { lexicalVector } from '../../common/lexical-vector';
import type { Embedder, EmbedderResult } from './semantic.types';

export { lexicalVector, stem, words } from '../../common/lexical-vector';

/**
 * The offline embedder: signed feature hashing ("the hashing trick") of word stems, word
 * bigrams and character trigrams into a fixed-length, L2-normalised vector. No weights, no
 * network, deterministic, ≈ 10 µs per short question. It measures lexical overlap, not meaning:
 * paraphrases that reuse the words score high, paraphrases that change every word do not (a
 * miss, never a wrong answer), and near-misses that change one word score high too — which is
 * why the guards (guards.ts) veto hits on negation, numbers, entities, units and order.
 *
 * Also the TEST_MODE simulator's embedding model, so similar texts get similar vectors there.
 */

export const LEXICAL_DIMENSIONS = 256;

/** The Embedder over lexicalVector: free, synchronous underneath. */
export class LexicalEmbedder implements Embedder {
  readonly id: string;

  constructor(readonly dimensions = LEXICAL_DIMENSIONS) {
    this.id = `lexical-${dimensions}`;
  }

  embedSync(text: string): Float32Array {
    return lexicalVector(text, this.dimensions);
  }

  embed(texts: readonly string[]): Promise<EmbedderResult> {
    return Promise.resolve({ vectors: texts.map((text) => this.embedSync(text)), costNano: 0 });
  }
}
