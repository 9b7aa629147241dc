import {
  API_KEY_PREFIX,
  ApiKeyHasher,
  displayPrefix,
  generateApiKey,
  looksLikeDatabaseKey,
  randomBase62,
} from './api-key-secret';

describe('API key secrets', () => {
  it('generates mm- + 43 base62 characters (256 bits), never twice the same', () => {
    const keys = new Set(Array.from({ length: 2_000 }, () => generateApiKey().key));
    expect(keys.size).toBe(2_000);
    for (const key of keys) {
      expect(key).toMatch(/^mm-[0-9A-Za-z]{43}$/);
      expect(looksLikeDatabaseKey(key)).toBe(true);
    }
    expect(43 * Math.log2(62)).toBeGreaterThanOrEqual(256);
  });

  it('draws base62 characters without bias', () => {
    const counts = new Map<string, number>();
    const text = randomBase62(62_000);
    for (const char of text) counts.set(char, (counts.get(char) ?? 0) + 1);
    expect(counts.size).toBe(62);
    // Each character is expected 1000 times; a modulo bias would push the first 8 up by ~25 %.
    for (const count of counts.values()) {
      expect(count).toBeGreaterThan(850);
      expect(count).toBeLessThan(1_150);
    }
  });

  it('keeps a display prefix that is recognisable but not usable', () => {
    const { key, prefix } = generateApiKey();
    expect(prefix).toBe(displayPrefix(key));
    expect(prefix).toHaveLength(9);
    expect(key.startsWith(prefix)).toBe(true);
    expect(prefix.startsWith(API_KEY_PREFIX)).toBe(true);
  });

  it('rejects anything that is not shaped like a key, before hashing', () => {
    expect(looksLikeDatabaseKey('sk-abc')).toBe(false);
    expect(looksLikeDatabaseKey(`mm-${'a'.repeat(42)}`)).toBe(false);
    expect(looksLikeDatabaseKey(`mm-${'a'.repeat(42)}-`)).toBe(false);
    expect(looksLikeDatabaseKey(`xx-${'a'.repeat(43)}`)).toBe(false);
  });

  it('hashes with HMAC-SHA256 under the configured secret', () => {
    const key = generateApiKey().key;
    const a = new ApiKeyHasher('secret-one-0123456789abcdefghijklmnop');
    const b = new ApiKeyHasher('secret-two-0123456789abcdefghijklmnop');
    expect(a.digest(key)).toMatch(/^[0-9a-f]{64}$/);
    expect(a.digest(key)).toBe(a.digest(key));
    expect(a.digest(key)).not.toBe(b.digest(key));
    expect(new ApiKeyHasher(null).digest(key)).not.toBe(a.digest(key));
    expect(ApiKeyHasher.equal(a.digest(key), a.digest(key))).toBe(true);
    expect(ApiKeyHasher.equal(a.digest(key), b.digest(key))).toBe(false);
    expect(ApiKeyHasher.equal('ab', 'abc')).toBe(false);
  });
});
