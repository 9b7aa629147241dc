import { extractFeatures } from '../features';
import { HashBuffer, MAX_TRIGRAMS, featureHashes, sparseScratch, toSparseVector } from './hashed-features';
import { loadBundledIntentModel } from './bundled-model';

function features(content: string, system?: string) {
  return extractFeatures({
    messages: [...(system ? [{ role: 'system' as const, content: system }] : []), { role: 'user', content }],
  });
}

describe('hashed features (bounded work per request)', () => {
  it('caps the tokens of any request, whatever its size', () => {
    const words = Array.from({ length: 50_000 }, (_, i) => `word${i % 997}x`).join(' ');
    const huge = featureHashes(features(words, words));
    const small = featureHashes(features(words.slice(0, 2_000), words.slice(0, 2_000)));
    // The windows of features.ts and the word and trigram caps bound the token count.
    expect(huge.length).toBeLessThanOrEqual(160 * 2 + MAX_TRIGRAMS + 60 + 40 + 100);
    // Only structure tokens (length bucket, cues of the wider injection window) may differ.
    expect(Math.abs(huge.length - small.length)).toBeLessThanOrEqual(3);
  });

  it('spends at most MAX_TRIGRAMS character trigrams, taken from the first words', () => {
    const long = Array.from({ length: 400 }, () => 'abcdefgh').join(' ');
    const short = 'abcdefgh abcdefgh';
    const longHashes = featureHashes(features(long)).length;
    const shortHashes = featureHashes(features(short)).length;
    // Each 8-letter word adds itself, a bigram and 8 trigrams (until the budget is spent).
    expect(shortHashes).toBeLessThan(40);
    expect(longHashes).toBeLessThan(160 * 2 + MAX_TRIGRAMS + 40);
  });

  it('hashes the same request the same way into a reused buffer or a fresh one', () => {
    const buffer = new HashBuffer();
    const a = features('How do I reverse a linked list in Rust? 3 examples, please.');
    const b = features('Traduis « bonjour » en japonais.');
    const first = featureHashes(a, buffer).toArray();
    featureHashes(b, buffer);
    expect(featureHashes(a, buffer).toArray()).toEqual(first);
    expect(featureHashes(a).toArray()).toEqual(first);
  });

  it('gives the same sparse vector from reused scratch buffers as from fresh ones', () => {
    const model = loadBundledIntentModel();
    const scratch = sparseScratch(model.artifact.bits);
    for (const content of ['hello there', 'Write a Python function that sorts a list of dicts by key.']) {
      const hashes = featureHashes(features(content));
      const fresh = toSparseVector(hashes, model.artifact.bits);
      const reused = toSparseVector(hashes, model.artifact.bits, scratch, true);
      expect(Array.from(reused.indices)).toEqual(Array.from(fresh.indices));
      expect(Array.from(reused.values)).toEqual(Array.from(fresh.values));
      expect(scratch.counts.every((c) => c === 0)).toBe(true);
      const viaModel = model.vectorize(features(content));
      expect(Array.from(viaModel.indices)).toEqual(Array.from(fresh.indices));
    }
  });
});
