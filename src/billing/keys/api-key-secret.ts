import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Database API keys: `mm-` + 43 base62 characters (256 bits from the CSPRNG). Base62 rather than
 * base64url so that a double-click selects the whole key. Only an HMAC-SHA256 digest is stored;
 * a fast keyed hash is the right tool for high-entropy secrets (a slow password hash would put
 * ~50 ms on every cache miss and protect nothing more: 2^256 cannot be brute-forced).
 */
export const API_KEY_PREFIX = 'mm-';
export const API_KEY_SECRET_CHARS = 43;
/** `mm-` plus 6 characters: enough to recognise a key in a list, useless to an attacker. */
export const API_KEY_DISPLAY_CHARS = 9;

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** The largest multiple of 62 below 256: bytes at or above it are rejected (no modulo bias). */
const UNBIASED_BYTE_LIMIT = 248;
export const KEY_PATTERN = new RegExp(`^${API_KEY_PREFIX}[0-9A-Za-z]{${API_KEY_SECRET_CHARS}}$`);
/** Domain separation when API_KEY_HASH_SECRET is unset. */
const DEFAULT_HASH_KEY = 'modelmuxer/api-key/v1';

export interface GeneratedApiKey {
  /** The plaintext key: shown once, never stored. */
  key: string;
  /** The stored, displayable prefix. */
  prefix: string;
}

export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < UNBIASED_BYTE_LIMIT) out += BASE62[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

export function generateApiKey(): GeneratedApiKey {
  const key = API_KEY_PREFIX + randomBase62(API_KEY_SECRET_CHARS);
  return { key, prefix: displayPrefix(key) };
}

export function displayPrefix(key: string): string {
  return key.slice(0, API_KEY_DISPLAY_CHARS);
}

/** A cheap shape check before any hashing or lookup: garbage never reaches the cache or the DB. */
export function looksLikeDatabaseKey(key: string): boolean {
  return key.length === API_KEY_PREFIX.length + API_KEY_SECRET_CHARS && KEY_PATTERN.test(key);
}

/** HMAC-SHA256 digests of API keys (hex, 64 chars, as stored in api_keys.key_hash). */
export class ApiKeyHasher {
  private readonly hmacKey: Buffer;

  constructor(secret: string | null) {
    this.hmacKey = Buffer.from(secret ?? DEFAULT_HASH_KEY, 'utf8');
  }

  digest(key: string): string {
    return createHmac('sha256', this.hmacKey).update(key, 'utf8').digest('hex');
  }

  /** Constant-time comparison of two hex digests of equal length. */
  static equal(a: string, b: string): boolean {
    if (a.length !== b.length) return false;
    return timingSafeEqual(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
  }
}
