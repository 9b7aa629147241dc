import { createHash } from 'node:crypto';

/** mulberry32: a tiny seeded PRNG, for deterministic shuffles and samples. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 32-bit seed from any string (SHA-1 prefix). */
export function seedOf(text: string): number {
  return createHash('sha1').update(text).digest().readUInt32BE(0);
}

/** Fisher-Yates permutation of 0..n-1. */
export function shuffledIndices(n: number, random: () => number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/** Up to `n` items of `items` in a deterministic random order seeded by `seed`. */
export function seededSample<T>(items: readonly T[], n: number, seed: string): T[] {
  const order = shuffledIndices(items.length, prng(seedOf(seed)));
  return order.slice(0, Math.min(n, items.length)).map((i) => items[i]);
}

/** One element picked deterministically from `items` by a key. */
export function pick<T>(items: readonly T[], key: string): T {
  return items[seedOf(key) % items.length];
}
