import { isIP } from 'node:net';

/**
 * Upstream text is untrusted: an upstream (or a proxy in front of it) can put internal host
 * names, addresses, connection strings and credentials into its error messages. Only a 400/422
 * message reaches the client (it says which parameter is wrong), and only after
 * scrubUpstreamText(); everything else the client sees about an upstream failure is our own
 * text. These functions are linear in their input: the text is capped first, then split into
 * whitespace-separated words that are each tested with anchored, non-nested patterns.
 */

/** Longest excerpt of an upstream message that is ever shown (client) or logged. */
export const UPSTREAM_MESSAGE_MAX_CHARS = 300;
/** Upstream text beyond this is not even looked at. */
const SCAN_MAX_CHARS = 2_000;

const URL_SCHEME = /^[a-z][a-z0-9+.-]{0,15}:\/\//i;
const EMAIL = /^[^@\s]+@[^@\s]+\.[a-z]{2,}$/i;
const USERINFO = /^[^@\s/:]+:[^@\s/]*@/;
const HOST_PORT = /^([a-z0-9.-]+|\[[0-9a-f:.]+\]):\d{1,5}$/i;
const DOTTED_NAME = /^[a-z0-9-]+(?:\.[a-z0-9-]+)+$/i;
/** Suffixes that make a dotted name a host name rather than a parameter path. */
const HOST_SUFFIXES = new Set([
  'com',
  'net',
  'org',
  'io',
  'ai',
  'dev',
  'app',
  'cloud',
  'co',
  'internal',
  'local',
  'localdomain',
  'lan',
  'corp',
  'home',
  'intranet',
  'intra',
  'svc',
  'cluster',
  'private',
  'example',
  'test',
  'localhost',
]);
/** Words that announce a credential: the value after `=`/`:` (or the next word) is hidden. */
const CREDENTIAL_KEY =
  /^(?:password|passwd|pwd|pass|secret|client[_-]?secret|token|access[_-]?token|refresh[_-]?token|api[_-]?key|apikey|x-api-key|access[_-]?key|secret[_-]?key|private[_-]?key|auth|authorization|credentials?|session|cookie|bearer|basic)$/i;
const CREDENTIAL_ASSIGNMENT =
  /^(.*?\b(?:password|passwd|pwd|pass|secret|token|api[_-]?key|apikey|access[_-]?key|secret[_-]?key|private[_-]?key|auth|authorization|credentials?|session|cookie))(=|:)(.*)$/i;
/** Well-known secret shapes (OpenAI/Anthropic keys, ModelMuxer keys, AWS key ids, JWTs). */
const SECRET_SHAPES = [
  /^sk-[\w-]{8,}$/,
  /^mm-[0-9A-Za-z]{16,}$/,
  /^(?:AKIA|ASIA)[0-9A-Z]{12,}$/,
  /^eyJ[\w-]{4,}\.[\w-]{4,}(?:\.[\w-]*)?$/,
];
/** A long opaque run of letters and digits is treated as a secret (ids, tokens, hashes). */
const OPAQUE_MIN_CHARS = 32;
const OPAQUE = /^[\w+/=-]+$/;

const LEADING_PUNCTUATION = /^[("'`[<{]+/;
const TRAILING_PUNCTUATION = /[)"'`\]>},.;:!?]+$/;

/** Account identifiers (OpenAI `org-…`, `proj_…`): they name the gateway's account with the provider. */
const ACCOUNT_ID = /^(?:org|proj|acct)[-_][A-Za-z0-9]{6,}$/;

function isOpaqueSecret(word: string): boolean {
  if (ACCOUNT_ID.test(word) && /\d/.test(word)) return true;
  return word.length >= OPAQUE_MIN_CHARS && OPAQUE.test(word) && /\d/.test(word) && /[a-z]/i.test(word);
}

function isHostName(word: string): boolean {
  if (word.toLowerCase() === 'localhost') return true;
  if (!DOTTED_NAME.test(word)) return false;
  const labels = word.split('.');
  const last = labels[labels.length - 1].toLowerCase();
  if (/^\d+$/.test(last)) return false; // 1.2.3 (a version) or an IPv4 address (tested elsewhere)
  // Parameter paths (messages.0.content, image.source.base64) use underscores, never hyphens.
  return HOST_SUFFIXES.has(last) || labels.some((label) => label.includes('-') && /[a-z]/i.test(label));
}

function isAddress(word: string): boolean {
  const bare = word.replace(/^\[/, '').replace(/\](?::\d+)?$/, '');
  if (isIP(bare) !== 0) return true;
  const withoutPort = word.replace(/:\d{1,5}$/, '');
  return isIP(withoutPort) !== 0;
}

/** What a single word (punctuation stripped) becomes, or null when it is harmless. */
function scrubWord(word: string): string | null {
  if (word.length === 0) return null;
  if (URL_SCHEME.test(word)) return '[url]';
  if (USERINFO.test(word)) return '[credentials]';
  if (EMAIL.test(word)) return '[email]';
  if (isAddress(word)) return '[address]';
  if (HOST_PORT.test(word) || isHostName(word)) return '[host]';
  if (SECRET_SHAPES.some((shape) => shape.test(word)) || isOpaqueSecret(word)) return '[redacted]';
  const assignment = CREDENTIAL_ASSIGNMENT.exec(word);
  if (assignment) return assignment[3] === '' ? null : `${assignment[1]}${assignment[2]}[redacted]`;
  const equals = word.lastIndexOf('=');
  if (equals > 0 && equals < word.length - 1) {
    const value = scrubWord(word.slice(equals + 1));
    if (value !== null) return `${word.slice(0, equals + 1)}${value}`;
  }
  return null;
}

/** Splits punctuation off a token: `("db.internal:5432"),` → `("`, `db.internal:5432`, `"),`. */
function splitPunctuation(token: string): [lead: string, core: string, trail: string] {
  const bracketed = /^\[[0-9a-f.]*:[0-9a-f:.]*\](?::\d{1,5})?/i.exec(token); // [::1]:8080
  if (bracketed) return ['', bracketed[0], token.slice(bracketed[0].length)];
  const lead = LEADING_PUNCTUATION.exec(token)?.[0] ?? '';
  const rest = token.slice(lead.length);
  const trail = TRAILING_PUNCTUATION.exec(rest)?.[0] ?? '';
  return [lead, rest.slice(0, rest.length - trail.length), trail];
}

/** Scrubs one whitespace-free token, keeping the punctuation around it. */
function scrubToken(token: string): { text: string; hidesNext: boolean } {
  const [lead, core, trail] = splitPunctuation(token);
  const replaced = scrubWord(core);
  // "password: hunter2", "token=" "abc", "Bearer abc…": the credential is the next word.
  const key = core.replace(/[:=]$/, '');
  const announces = key !== core || trail.startsWith(':') || /^(?:bearer|basic)$/i.test(key);
  const hidesNext = announces && CREDENTIAL_KEY.test(key);
  return { text: replaced === null ? token : lead + replaced + trail, hidesNext };
}

/**
 * Removes what must never leave the gateway from upstream text: URLs, connection strings, e-mail
 * addresses, IP addresses, host names and host:port pairs, credentials (`password=…`,
 * `Bearer …`, key-shaped and long opaque strings), control characters. Caps the result at
 * `maxChars` (an ellipsis marks the cut).
 */
export function scrubUpstreamText(text: string, maxChars: number = UPSTREAM_MESSAGE_MAX_CHARS): string {
  const words = text
    .slice(0, SCAN_MAX_CHARS)
    // Control characters (log-line injection, terminal escapes) become spaces.
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ')
    .split(/\s+/)
    .filter((word) => word.length > 0);
  const out: string[] = [];
  let hideNext = false;
  for (const word of words) {
    const scrubbed = scrubToken(word);
    out.push(hideNext ? '[redacted]' : scrubbed.text);
    hideNext = scrubbed.hidesNext;
  }
  const joined = out.join(' ');
  if (joined.length <= maxChars && text.length <= SCAN_MAX_CHARS) return joined;
  return `${joined.slice(0, Math.max(0, maxChars - 1)).trimEnd()}…`;
}

/** A provider's parameter name, kept only when it looks like one (`messages[0].content`). */
export function safeParam(value: string | undefined): string | undefined {
  return value !== undefined && /^[A-Za-z0-9_.[\]-]{1,100}$/.test(value) ? value : undefined;
}

/** A provider's error type or code, kept only when it is a short identifier. */
export function safeIdentifier(value: string | undefined): string | undefined {
  return value !== undefined && /^[A-Za-z0-9_.-]{1,64}$/.test(value) ? value : undefined;
}

/** Headers in which upstreams return their own request id (OpenAI, Anthropic, Mistral, proxies). */
const REQUEST_ID_HEADERS = ['x-request-id', 'request-id', 'x-kong-request-id', 'x-litellm-call-id'];

/** An upstream request id, kept only when it is a plain identifier (never free text). */
export function safeRequestId(value: unknown): string | undefined {
  return typeof value === 'string' && /^[A-Za-z0-9_.:-]{1,128}$/.test(value) ? value : undefined;
}

/** The upstream's own request id from its response headers, if it sent one. */
export function requestIdFromHeaders(
  headers: Record<string, string | string[] | undefined>,
): string | undefined {
  for (const name of REQUEST_ID_HEADERS) {
    const raw = headers[name];
    const id = safeRequestId(Array.isArray(raw) ? raw[0] : raw);
    if (id !== undefined) return id;
  }
  return undefined;
}
