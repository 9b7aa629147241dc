/**
 * Deterministic sampling for the shadow (docs/routing.md "Shadow classification and routing"): a
 * request is in the sample when the FNV-1a hash of its id (with a salt per purpose) falls below
 * the rate. The same request id is in or out on every replica and every run — no random state,
 * nothing allocated.
 */

/** FNV-1a (32 bits) of `key` after `salt`, as a fraction in [0, 1). */
export function sampleFraction(key: string, salt = 0): number {
  let hash = (0x811c9dc5 ^ salt) >>> 0;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  // Final avalanche (murmur3's fmix32): ids that differ only in their last characters spread out.
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return (hash >>> 0) / 4_294_967_296;
}

/** Whether `key` is in a sample of `rate` (0: never, 1: always). */
export function inSample(key: string, rate: number, salt = 0): boolean {
  if (!(rate > 0)) return false;
  if (rate >= 1) return true;
  return sampleFraction(key, salt) < rate;
}

/** Salts: the shadow evaluation and the shadow request draw independent samples. */
export const SAMPLE_SALT = { evaluation: 0, request: 0x5eed } as const;
