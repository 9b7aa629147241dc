/**
 * Shape limits of a JSON body, checked on the raw bytes before JSON.parse (express.json's
 * `verify` hook). JSON.parse itself is the first cost a hostile body imposes: one object with
 * 100,000 keys takes ~0.25 s to parse here, and 3,000 levels of nesting overflow the stack of
 * every recursive walk after it. This scan is linear and cheap: it jumps over strings with
 * Buffer.indexOf and stops at the first limit crossed.
 */
export interface JsonShapeLimits {
  /** Deepest nesting of arrays and objects. */
  maxDepth: number;
  /** Most structural elements: objects, arrays, and the members/items they hold. */
  maxNodes: number;
  /** Most keys in one object. */
  maxKeys: number;
}

export type JsonLimitKind = 'depth' | 'nodes' | 'keys';

/** Thrown from express.json's verify hook; body-parser keeps `type`, the filter maps it. */
export class JsonLimitError extends Error {
  readonly type = 'entity.json.limit';

  constructor(
    readonly kind: JsonLimitKind,
    readonly limit: number,
  ) {
    super(jsonLimitMessage(kind, limit));
    this.name = 'JsonLimitError';
  }
}

function jsonLimitMessage(kind: JsonLimitKind, limit: number): string {
  switch (kind) {
    case 'depth':
      return `The JSON body is nested deeper than ${limit} levels (JSON_MAX_DEPTH).`;
    case 'nodes':
      return `The JSON body has more than ${limit} elements (JSON_MAX_NODES).`;
    case 'keys':
      return `A JSON object in the body has more than ${limit} keys (JSON_MAX_KEYS).`;
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
/** Marks an array on the stack of open containers (objects hold their key count). */
const ARRAY = -1;

/** Index of the quote that closes the string opened at `open` (or the end of the buffer). */
function endOfString(bytes: Buffer, open: number): number {
  let at = open;
  for (;;) {
    at = bytes.indexOf(QUOTE, at + 1);
    if (at === -1) return bytes.length;
    let backslashes = 0;
    for (let i = at - 1; bytes[i] === BACKSLASH; i--) backslashes++;
    if (backslashes % 2 === 0) return at;
  }
}

/**
 * The first limit `body` crosses, or null. Invalid JSON is not this function's concern: it is
 * scanned as far as it goes and left to JSON.parse to refuse.
 */
export function jsonLimitCrossed(body: Buffer, limits: JsonShapeLimits): JsonLimitError | null {
  const open: number[] = [];
  let nodes = 0;
  for (let i = 0; i < body.length; i++) {
    const byte = body[i];
    if (byte === QUOTE) {
      i = endOfString(body, i);
    } else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
      if (open.length >= limits.maxDepth) return new JsonLimitError('depth', limits.maxDepth);
      if (++nodes > limits.maxNodes) return new JsonLimitError('nodes', limits.maxNodes);
      open.push(byte === OPEN_OBJECT ? 0 : ARRAY);
    } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
      open.pop();
    } else if (byte === COMMA) {
      if (++nodes > limits.maxNodes) return new JsonLimitError('nodes', limits.maxNodes);
    } else if (byte === COLON && open.length > 0 && open[open.length - 1] !== ARRAY) {
      if (++open[open.length - 1] > limits.maxKeys) return new JsonLimitError('keys', limits.maxKeys);
    }
  }
  return null;
}
