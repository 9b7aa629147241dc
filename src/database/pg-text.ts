/**
 * Postgres text and jsonb cannot hold NUL (U+0000): a string with one makes the statement fail —
 * "invalid byte sequence for encoding UTF8: 0x00" for text, "unsupported Unicode escape sequence"
 * for jsonb — and with it the whole batch the row was written in. Client-supplied strings reach
 * the batched writers (usage, routing decisions, audit, shadow results), so every string column
 * and JSON document they write goes through these: NUL becomes U+FFFD (the replacement
 * character). Both check first and copy only when there is something to replace.
 */

const NUL = '\u0000';
const REPLACEMENT = '\uFFFD';

/** The string with each NUL replaced (the same string when it has none). */
export function pgText(value: string): string {
  return value.includes(NUL) ? value.replaceAll(NUL, REPLACEMENT) : value;
}

/** pgText for nullable columns. */
export function pgTextOrNull(value: string | null | undefined): string | null {
  return value === null || value === undefined ? null : pgText(value);
}

/**
 * JSON.stringify(value) with every NUL escape (\u0000 in a string) written as \uFFFD. JSON.stringify
 * escapes NUL as the six characters \u0000; a scan that skips escape sequences one whole sequence
 * at a time tells it from an escaped backslash followed by "u0000" (\\u0000), in one linear pass.
 */
export function pgJson(value: unknown): string {
  const json = JSON.stringify(value) ?? 'null';
  if (!json.includes('\\u0000')) return json;
  let out = '';
  let from = 0;
  for (let i = 0; i < json.length; i++) {
    if (json.charCodeAt(i) !== 0x5c /* \ */) continue;
    if (json.startsWith('u0000', i + 1)) {
      out += json.slice(from, i) + '\\ufffd';
      from = i + 6;
      i += 5;
    } else {
      i += 1; // the escaped character (\\, \", \n, or the u of another \uXXXX) is not a backslash
    }
  }
  return out + json.slice(from);
}
