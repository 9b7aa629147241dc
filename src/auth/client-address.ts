import { isIPv4, isIPv6 } from 'node:net';

/** Expands an IPv6 address to its 8 groups (an embedded IPv4 tail becomes two groups). */
function ipv6Groups(address: string): string[] {
  let text = address;
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (isIPv4(tail)) {
    const [a, b, c, d] = tail.split('.').map(Number);
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, rest] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = rest === undefined || rest === '' ? [] : rest.split(':');
  const zeros = rest === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((group) => group.replace(/^0+(?=.)/, ''));
}

/**
 * The identity failed authentications are counted under: the client's IPv4 address (IPv4-mapped
 * IPv6 included), or the /64 prefix of an IPv6 address — one subscriber usually holds a whole
 * /64, so counting single IPv6 addresses would let one attacker rotate through 2^64 of them.
 * `ip` is Express's `request.ip`, which honours TRUST_PROXY.
 */
export function clientAddressKey(ip: string | undefined): string {
  if (!ip) return 'unknown';
  const known = recentKeys.get(ip);
  if (known !== undefined) return known;
  const key = addressKey(ip);
  if (recentKeys.size >= RECENT_KEYS_MAX) recentKeys.clear();
  recentKeys.set(ip, key);
  return key;
}

/** Validation and IPv6 expansion cost 0.5–5 µs: the keys of recently seen addresses are kept. */
const RECENT_KEYS_MAX = 10_000;
const recentKeys = new Map<string, string>();

function addressKey(ip: string): string {
  const trimmed = ip.trim().toLowerCase();
  const zone = trimmed.indexOf('%'); // an IPv6 zone id (fe80::1%eth0) names no other client
  const address = zone === -1 ? trimmed : trimmed.slice(0, zone);
  if (isIPv4(address)) return address;
  if (address.startsWith('::ffff:') && isIPv4(address.slice(7))) return address.slice(7);
  if (isIPv6(address)) return `${ipv6Groups(address).slice(0, 4).join(':')}::/64`;
  return 'unknown';
}
