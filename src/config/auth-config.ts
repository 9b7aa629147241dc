import { isIP } from 'node:net';

/**
 * Checks of the secrets an operator chooses (static API_KEYS, ADMIN_API_KEY, METRICS_TOKEN) and
 * of TRUST_PROXY, run by loadAppConfig(). Messages never contain the secret itself.
 */

/** Shortest accepted operator-chosen key: 16 characters (≥ 64 bits even from hex digits). */
export const MIN_KEY_CHARS = 16;
/** `aaaaaaaaaaaaaaaa` and `abababababababab` are long but guessable. */
export const MIN_DISTINCT_KEY_CHARS = 8;

/** Why a key is too weak to accept, or null when it is acceptable. */
export function keyWeakness(key: string): string | null {
  if (/\s/.test(key)) return 'contains whitespace';
  if (key.length < MIN_KEY_CHARS)
    return `is ${key.length} characters long; at least ${MIN_KEY_CHARS} are needed`;
  const distinct = new Set(key).size;
  if (distinct < MIN_DISTINCT_KEY_CHARS)
    return `uses only ${distinct} different characters; at least ${MIN_DISTINCT_KEY_CHARS} are needed`;
  return null;
}

/** The advice appended to every weak-key message. */
export const KEY_ADVICE = 'generate one with: openssl rand -hex 24';

/**
 * Express's `trust proxy` setting: false (the socket's peer is the client), a number of proxy
 * hops in front of the gateway, or the proxies' addresses / CIDR ranges (and Express's presets
 * loopback, linklocal, uniquelocal). `true` is refused: it believes any X-Forwarded-For a
 * client sends, so a client could pick the address its failed attempts are counted under.
 */
export type TrustProxySetting = false | number | string[];

const PRESETS = new Set(['loopback', 'linklocal', 'uniquelocal']);

function isAddressOrRange(entry: string): boolean {
  if (PRESETS.has(entry)) return true;
  const [address, bits, extra] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  if (bits === undefined) return true;
  if (!/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

export function parseTrustProxy(raw: string): { value: TrustProxySetting } | { problem: string } {
  const text = raw.trim().toLowerCase();
  if (text === 'false' || text === '0' || text === '') return { value: false };
  if (text === 'true')
    return {
      problem:
        'TRUST_PROXY=true would believe any X-Forwarded-For a client sends; give the number of proxies in front of the gateway (e.g. 1) or their addresses',
    };
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    return hops <= 10 ? { value: hops } : { problem: `TRUST_PROXY must be at most 10 hops (got ${hops})` };
  }
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  const invalid = entries.filter((entry) => !isAddressOrRange(entry));
  if (invalid.length > 0)
    return {
      problem: `TRUST_PROXY must be false, a number of hops, or addresses/CIDR ranges (loopback, linklocal, uniquelocal allowed); not ${invalid.map((entry) => JSON.stringify(entry)).join(', ')}`,
    };
  return { value: entries };
}
