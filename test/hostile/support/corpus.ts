import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { HOSTILE_VALUES, nested, valuesFor } from './values';

/**
 * The hostile corpus: generated bodies, headers, paths and raw HTTP for every public and admin
 * route. Deterministic (no randomness), so a failure names a case that can be replayed.
 */
export interface HostileCase {
  name: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** Bytes written to a bare socket (malformed HTTP); method/path/headers/body are ignored. */
  raw?: Buffer;
}

export interface CorpusContext {
  /** A client key (static in basic/enhanced, database-issued in production). */
  apiKey: string;
  adminKey: string;
  /** A tenant and one of its keys for the admin routes to work on (not the client key's). */
  tenantId: string;
  keyId: string;
  /** Whether the tenant-policy routes exist (production). */
  policy: boolean;
}

type Path = ReadonlyArray<string | number>;

const JSON_TYPE = { 'content-type': 'application/json' };

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value) ?? 'null');
}

/** A deep copy of `base` with `value` at `path` (an own property, even for "__proto__"). */
function withValue(base: unknown, path: Path, value: unknown): unknown {
  const copy = structuredClone(base) as Record<string | number, unknown>;
  let parent = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  Object.defineProperty(parent, path[path.length - 1], {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return copy;
}

export const CHAT_BASE = {
  model: 'auto',
  messages: [
    { role: 'system', content: 'Be brief.' },
    {
      role: 'user',
      content: [
        { type: 'text', text: 'What is in this picture?' },
        { type: 'image_url', image_url: { url: 'https://example.com/cat.png', detail: 'low' } },
      ],
    },
    {
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"q":"cat"}' } },
      ],
    },
    { role: 'tool', tool_call_id: 'call_1', content: '{"answer":"a cat"}' },
    { role: 'user', content: 'Thanks. Summarise in one line.' },
  ],
  tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }],
  max_tokens: 64,
};

const CHAT_FIELDS: Path[] = [
  ['model'],
  ['messages'],
  ['messages', 0],
  ['messages', 0, 'role'],
  ['messages', 0, 'content'],
  ['messages', 1, 'content'],
  ['messages', 1, 'content', 0],
  ['messages', 1, 'content', 0, 'text'],
  ['messages', 1, 'content', 1, 'image_url'],
  ['messages', 1, 'content', 1, 'image_url', 'url'],
  ['messages', 1, 'name'],
  ['messages', 2, 'tool_calls'],
  ['messages', 2, 'tool_calls', 0],
  ['messages', 2, 'tool_calls', 0, 'function'],
  ['messages', 2, 'tool_calls', 0, 'function', 'arguments'],
  ['messages', 3, 'tool_call_id'],
  ['messages', 4, 'content'],
  ['messages', 4, 'refusal'],
  ['tools'],
  ['tools', 0],
  ['tools', 0, 'function'],
  ['tools', 0, 'function', 'name'],
  ['tools', 0, 'function', 'parameters'],
  ['tool_choice'],
  ['max_tokens'],
  ['max_completion_tokens'],
  ['temperature'],
  ['top_p'],
  ['n'],
  ['stop'],
  ['stream'],
  ['stream_options'],
  ['response_format'],
  ['seed'],
  ['logit_bias'],
  ['logprobs'],
  ['user'],
  ['metadata'],
  ['__proto__'],
  ['constructor'],
];

function chatFieldCases(ctx: CorpusContext): HostileCase[] {
  const cases: HostileCase[] = [];
  const auth = { authorization: `Bearer ${ctx.apiKey}`, ...JSON_TYPE };
  CHAT_FIELDS.forEach((path, i) => {
    valuesFor(i, 13).forEach(([name, value], j) => {
      const route = j % 4 === 3 ? '/v1/router/explain' : '/v1/chat/completions';
      const body = withValue(j % 5 === 4 ? { ...CHAT_BASE, stream: true } : CHAT_BASE, path, value);
      cases.push({
        name: `${route} ${path.join('.')} = ${name}`,
        method: 'POST',
        path: route,
        headers: auth,
        body: json(body),
      });
    });
  });
  return cases;
}

const user = (content: unknown) => ({ messages: [{ role: 'user', content }] });

function chatStructureBodies(): Array<[string, Buffer]> {
  const many = (n: number, item: unknown) => Array.from({ length: n }, () => item);
  return [
    ['depth 60 (within the limit)', json({ ...user('hi'), metadata: nested(58) })],
    ['depth 65 (over JSON_MAX_DEPTH)', json({ ...user('hi'), metadata: nested(64) })],
    ['depth 3,000 in metadata', json({ ...user('hi'), metadata: nested(3_000) })],
    [
      'depth 3,000 in tool parameters',
      json({
        ...CHAT_BASE,
        tools: [{ type: 'function', function: { name: 'f', parameters: nested(3_000) } }],
      }),
    ],
    ['depth 100,000 of arrays', Buffer.from(`{"messages":${'['.repeat(100_000)}${']'.repeat(100_000)}}`)],
    [
      '100,000 keys',
      json({ ...user('hi'), ...Object.fromEntries(many(100_000, 0).map((_, i) => [`k${i}`, i])) }),
    ],
    [
      '1,001 keys in one object',
      json({ ...user('hi'), metadata: Object.fromEntries(many(1_001, 0).map((_, i) => [`k${i}`, i])) }),
    ],
    ['100,001 elements', json({ ...user('hi'), metadata: many(100_001, 0) })],
    ['100,000 messages', json({ messages: many(100_000, { role: 'user', content: 'spam' }) })],
    ['2,049 messages', json({ messages: many(2_049, { role: 'user', content: 'spam' }) })],
    ['2,048 messages', json({ messages: many(2_048, { role: 'user', content: 'spam' }) })],
    ['257 content parts', json(user(many(257, { type: 'text', text: 'x' })))],
    ['129 tools', json({ ...user('hi'), tools: many(129, CHAT_BASE.tools[0]) })],
    [
      '1,000 tool calls',
      json({
        messages: [
          { role: 'assistant', content: null, tool_calls: many(1_000, CHAT_BASE.messages[2].tool_calls![0]) },
        ],
      }),
    ],
    [
      '40 messages of one CJK character ×4,000',
      json({ messages: many(40, { role: 'user', content: '中'.repeat(4_000) }) }),
    ],
    ['4,000 spaces + 300k CJK', json(user(' '.repeat(4_000) + '中文字'.repeat(100_000)))],
    ['1 MB prompt', json(user('lorem ipsum dolor sit amet '.repeat(40_000)))],
    ['3 MB single-line prompt', json(user('x'.repeat(3_000_000)))],
    ['7.5 MB prompt (just under the default BODY_LIMIT)', json(user('lorem ipsum '.repeat(650_000)))],
    ['19 MB prompt', json(user('lorem ipsum '.repeat(1_600_000)))],
    ['email backtracking ×40,000', json(user('a-'.repeat(40_000)))],
    ['jwt backtracking ×20,000', json(user('eyJ-'.repeat(20_000)))],
    [
      'special tokens everywhere',
      json({
        ...CHAT_BASE,
        model: '<|endoftext|>',
        user: '<|im_start|>',
        messages: [{ role: 'user', content: '<|endoftext|>'.repeat(2_000), name: '<|im_sep|>' }],
      }),
    ],
    ['max_tokens 1e12', json({ ...user('hi'), max_tokens: 1e12 })],
    ['max_tokens 500,000', json({ ...user('hi'), max_tokens: 500_000 })],
    ['tools without function', json({ ...user('hi'), tools: [{ type: 'function' }] })],
    ['json_schema without schema object', json({ ...user('hi'), response_format: { type: 'json_schema' } })],
    [
      'tool_choice naming an unknown tool',
      json({ ...CHAT_BASE, tool_choice: { type: 'function', function: { name: 'nope' } } }),
    ],
    [
      'every message a different odd role',
      json({
        messages: ['user', 'assistant', 'tool', 'function', 'developer', 'system'].map((role) => ({
          role,
          content: 'x',
          tool_call_id: 'c',
          name: 'n',
        })),
      }),
    ],
    [
      'data URL image of junk',
      json(user([{ type: 'image_url', image_url: { url: 'data:image/png;base64,' + '!'.repeat(10_000) } }])),
    ],
    [
      'unknown part types',
      json(
        user([
          { type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } },
          { type: 'file', file: {} },
          { type: 'input_text', text: 'hi' },
        ]),
      ),
    ],
  ];
}

/** Raw JSON text the serializer would never produce. */
const RAW_JSON_TEXTS: Array<[string, string | Buffer]> = [
  ['truncated', '{"messages": [{"role": "user", "content": "hi"'],
  ['trailing comma', '{"messages": [{"role": "user", "content": "hi"},]}'],
  ['NaN', '{"messages": [{"role": "user", "content": "hi"}], "temperature": NaN}'],
  ['Infinity', '{"messages": [{"role": "user", "content": "hi"}], "max_tokens": Infinity}'],
  ['1e999', '{"messages": [{"role": "user", "content": "hi"}], "temperature": 1e999, "max_tokens": 1e999}'],
  ['-0', '{"messages": [{"role": "user", "content": "hi"}], "temperature": -0, "seed": -0}'],
  ['single quotes', "{'messages': []}"],
  ['comments', '{/* hi */ "messages": []}'],
  ['duplicate keys', '{"messages": [{"role": "user", "content": "hi"}], "messages": 5}'],
  [
    'duplicate __proto__',
    '{"__proto__": {"a": 1}, "__proto__": [1], "messages": [{"role": "user", "content": "hi"}]}',
  ],
  ['top-level array', '[{"role": "user", "content": "hi"}]'],
  ['top-level string', '"hello"'],
  ['top-level number', '42'],
  ['top-level null', 'null'],
  ['empty body', ''],
  ['whitespace body', '   \n\t  '],
  ['BOM prefix', '\ufeff{"messages": [{"role": "user", "content": "hi"}]}'],
  [
    'invalid UTF-8',
    Buffer.concat([
      Buffer.from('{"messages": [{"role": "user", "content": "'),
      Buffer.from([0xff, 0xfe, 0xc0, 0x80, 0xed, 0xa0, 0x80]),
      Buffer.from('"}]}'),
    ]),
  ],
  [
    'escaped NUL and lone surrogates',
    '{"messages": [{"role": "user\\u0000", "content": "\\ud800\\udfff\\udc00"}]}',
  ],
  ['unterminated string with backslashes', '{"messages": "\\\\\\\\\\"'],
  ['huge number literal', `{"messages": [{"role": "user", "content": "hi"}], "seed": 1${'0'.repeat(5_000)}}`],
  ['deep unclosed', '['.repeat(50_000)],
];

function chatStructureCases(ctx: CorpusContext): HostileCase[] {
  const auth = { authorization: `Bearer ${ctx.apiKey}`, ...JSON_TYPE };
  const cases: HostileCase[] = [];
  for (const route of ['/v1/chat/completions', '/v1/router/explain']) {
    for (const [name, body] of chatStructureBodies())
      cases.push({ name: `${route} ${name}`, method: 'POST', path: route, headers: auth, body });
    for (const [name, text] of RAW_JSON_TEXTS) {
      cases.push({
        name: `${route} raw: ${name}`,
        method: 'POST',
        path: route,
        headers: auth,
        body: Buffer.from(text),
      });
    }
  }
  return cases;
}

function encodingCases(ctx: CorpusContext): HostileCase[] {
  const hi = json(user('hi'));
  const auth = { authorization: `Bearer ${ctx.apiKey}` };
  const garbage = Buffer.from('this is not compressed at all \u0000\u00ff');
  const bodies: Array<[string, Record<string, string>, Buffer]> = [
    ['gzip garbage', { 'content-encoding': 'gzip' }, garbage],
    ['deflate garbage', { 'content-encoding': 'deflate' }, garbage],
    ['br garbage', { 'content-encoding': 'br' }, garbage],
    ['truncated gzip', { 'content-encoding': 'gzip' }, gzipSync(hi).subarray(0, 12)],
    ['gzip of valid JSON', { 'content-encoding': 'gzip' }, gzipSync(hi)],
    ['deflate of valid JSON', { 'content-encoding': 'deflate' }, deflateSync(hi)],
    ['br of valid JSON', { 'content-encoding': 'br' }, brotliCompressSync(hi)],
    [
      'gzip of deep JSON',
      { 'content-encoding': 'gzip' },
      gzipSync(json({ ...user('hi'), metadata: nested(3_000) })),
    ],
    [
      'gzip bomb (30 MB of zeros)',
      { 'content-encoding': 'gzip' },
      gzipSync(Buffer.alloc(30 * 2 ** 20, 0x20)),
    ],
    [
      'gzip bomb of nested arrays',
      { 'content-encoding': 'gzip' },
      gzipSync(Buffer.from('['.repeat(5_000_000))),
    ],
    ['unknown encoding', { 'content-encoding': 'compress' }, hi],
    ['stacked encodings', { 'content-encoding': 'gzip, br' }, gzipSync(hi)],
    ['identity', { 'content-encoding': 'identity' }, hi],
    ['charset utf-16', { 'content-type': 'application/json; charset=utf-16' }, hi],
    ['charset made-up', { 'content-type': 'application/json; charset=x-klingon' }, hi],
    ['text/plain', { 'content-type': 'text/plain' }, hi],
    [
      'form encoded',
      { 'content-type': 'application/x-www-form-urlencoded' },
      Buffer.from('messages=hi&__proto__[a]=1'),
    ],
    [
      'multipart',
      { 'content-type': 'multipart/form-data; boundary=x' },
      Buffer.from('--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--'),
    ],
    ['vendor json', { 'content-type': 'application/vnd.api+json' }, hi],
    ['no content type', {}, hi],
  ];
  const cases: HostileCase[] = [];
  const routes: Array<[string, string, Record<string, string>]> = [
    ['POST', '/v1/chat/completions', auth],
    ['POST', '/v1/chat/completions', {}],
    ['GET', '/health', {}],
    ['POST', '/admin/tenants', { authorization: `Bearer ${ctx.adminKey}` }],
  ];
  for (const [method, path, headers] of routes) {
    for (const [name, extra, body] of bodies) {
      cases.push({
        name: `${method} ${path} ${name}`,
        method,
        path,
        headers: { ...JSON_TYPE, ...headers, ...extra },
        body,
      });
    }
  }
  return cases;
}

function headerCases(ctx: CorpusContext): HostileCase[] {
  const hi = json(user('hi'));
  const variants: Array<[string, Record<string, string>]> = [
    ['no auth', {}],
    ['empty bearer', { authorization: 'Bearer ' }],
    ['bare Bearer', { authorization: 'Bearer' }],
    ['basic auth', { authorization: 'Basic dXNlcjpwYXNz' }],
    ['8 KB key', { authorization: `Bearer mm-${'a'.repeat(8_000)}` }],
    ['latin-1 key', { authorization: 'Bearer mm-\u00ff\u00fe\u00e9' }],
    ['two keys', { authorization: `Bearer ${ctx.apiKey} ${ctx.apiKey}` }],
    ['lowercase scheme', { authorization: `bearer ${ctx.apiKey}` }],
    ['admin key as client key', { authorization: `Bearer ${ctx.adminKey}` }],
    ['x-api-key junk', { 'x-api-key': '<|endoftext|>' }],
    [
      'valid key + weird request id',
      { authorization: `Bearer ${ctx.apiKey}`, 'x-request-id': 'x'.repeat(5_000) },
    ],
    [
      'valid key + latin-1 request id',
      { authorization: `Bearer ${ctx.apiKey}`, 'x-request-id': '\u00e9\u00ff' },
    ],
    [
      'valid key + cache directive junk',
      { authorization: `Bearer ${ctx.apiKey}`, 'x-modelmuxer-cache': '\u00ff'.repeat(100) },
    ],
    [
      'valid key + accept junk',
      { authorization: `Bearer ${ctx.apiKey}`, accept: 'text/event-stream;q=NaN, */*;q=-1' },
    ],
    ['valid key + 20 KB cookie', { authorization: `Bearer ${ctx.apiKey}`, cookie: 'a='.padEnd(20_000, 'b') }],
    ['valid key + 70 KB header', { authorization: `Bearer ${ctx.apiKey}`, 'x-junk': 'z'.repeat(70_000) }],
    [
      'forwarded spoofing',
      {
        authorization: `Bearer ${ctx.apiKey}`,
        'x-forwarded-for': '127.0.0.1, ::1, <script>',
        'x-real-ip': '999.1.1.1',
      },
    ],
  ];
  const cases: HostileCase[] = [];
  for (const [name, headers] of variants) {
    cases.push({
      name: `POST /v1/chat/completions ${name}`,
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { ...JSON_TYPE, ...headers },
      body: hi,
    });
    cases.push({ name: `GET /v1/models ${name}`, method: 'GET', path: '/v1/models', headers });
    cases.push({ name: `GET /admin/tenants ${name}`, method: 'GET', path: '/admin/tenants', headers });
  }
  return cases;
}

/** Malformed HTTP, written to a bare socket. */
function rawCases(): HostileCase[] {
  const raw = (name: string, text: string | Buffer): HostileCase => ({
    name: `raw: ${name}`,
    method: '',
    path: '',
    headers: {},
    raw: typeof text === 'string' ? Buffer.from(text, 'latin1') : text,
  });
  return [
    raw('control character in a header', 'GET /health HTTP/1.1\r\nHost: x\r\nX-Bad: a\u0001b\r\n\r\n'),
    raw('NUL in the path', 'GET /he\u0000alth HTTP/1.1\r\nHost: x\r\n\r\n'),
    raw('bad request line', 'HELLO WORLD\r\n\r\n'),
    raw('bad HTTP version', 'GET /health HTTP/9.9\r\nHost: x\r\n\r\n'),
    raw('space in header name', 'GET /health HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n'),
    raw(
      'bad chunk size',
      'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\n{}\r\n0\r\n\r\n',
    ),
    raw(
      'content-length and chunked',
      'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    ),
    raw(
      'negative content-length',
      'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n',
    ),
    raw(
      'content-length too short',
      'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\n{"messages": []}',
    ),
    raw(
      'latin-1 bytes in a header',
      Buffer.concat([
        Buffer.from('GET /health HTTP/1.1\r\nHost: x\r\nX-Name: '),
        Buffer.from([0xc3, 0xa9, 0xff]),
        Buffer.from('\r\n\r\n'),
      ]),
    ),
  ];
}

function otherRouteCases(ctx: CorpusContext): HostileCase[] {
  const auth = { authorization: `Bearer ${ctx.apiKey}` };
  const ids = [
    'auto',
    'gpt-4o',
    '%00',
    '..%2F..%2Fetc%2Fpasswd',
    encodeURIComponent('\ud83d\ude00'),
    'x'.repeat(5_000),
    '%E2%80%AE',
    encodeURIComponent('<|endoftext|>'),
    '%ff%fe',
    '%',
  ];
  const cases: HostileCase[] = [];
  for (const id of ids)
    cases.push({
      name: `GET /v1/models/${id.slice(0, 30)}`,
      method: 'GET',
      path: `/v1/models/${id}`,
      headers: auth,
    });
  const simple: Array<[string, string, Record<string, string>]> = [
    ['GET', '/v1/models', auth],
    ['GET', '/v1/models?limit=1e999&after=%00', auth],
    ['GET', '/health', {}],
    ['GET', '/health?x=%ff&x=1&__proto__[a]=1', {}],
    ['GET', '/health/ready', {}],
    ['GET', '/metrics/prometheus', {}],
    ['GET', '/metrics/prometheus?name[]=x', {}],
    ['HEAD', '/health', {}],
    ['OPTIONS', '/v1/chat/completions', auth],
    ['GET', '/v1/chat/completions', auth],
    ['PUT', '/v1/chat/completions', auth],
    ['DELETE', '/v1/models', auth],
    ['PATCH', '/health', {}],
    ['GET', '/v1/nothing', {}],
    ['GET', '/%2e%2e/%2e%2e/etc/passwd', {}],
    ['GET', `/${'a/'.repeat(2_000)}`, {}],
    ['GET', '/v1/models/%', auth],
    ['GET', '/admin', { authorization: `Bearer ${ctx.adminKey}` }],
    ['GET', '/admin/tenants/', { authorization: `Bearer ${ctx.adminKey}` }],
    ['TRACE', '/health', {}],
    ['POST', '/health', JSON_TYPE],
  ];
  for (const [method, path, headers] of simple)
    cases.push({ name: `${method} ${path.slice(0, 60)}`, method, path, headers });
  return cases;
}

/* ---------------- admin ---------------- */

interface AdminRoute {
  method: string;
  path: (ctx: CorpusContext, id?: string) => string;
  base?: Record<string, unknown>;
  fields?: string[];
  query?: string[];
  policyOnly?: boolean;
}

const ADMIN_ROUTES: AdminRoute[] = [
  {
    method: 'POST',
    path: () => '/admin/tenants',
    base: { name: 'hostile' },
    fields: ['name', 'rate_limit_rpm', 'status', '__proto__'],
  },
  { method: 'GET', path: () => '/admin/tenants', query: ['limit', 'offset'] },
  { method: 'GET', path: (c, id) => `/admin/tenants/${id ?? c.tenantId}` },
  {
    method: 'PATCH',
    path: (c, id) => `/admin/tenants/${id ?? c.tenantId}`,
    base: { rate_limit_rpm: 100 },
    fields: ['status', 'name', 'rate_limit_rpm', 'constructor'],
  },
  {
    method: 'POST',
    path: (c, id) => `/admin/tenants/${id ?? c.tenantId}/keys`,
    base: { name: 'k' },
    fields: ['name', 'expires_at', 'tenant_id'],
  },
  { method: 'GET', path: (c, id) => `/admin/tenants/${id ?? c.tenantId}/keys` },
  {
    method: 'PUT',
    path: (c, id) => `/admin/tenants/${id ?? c.tenantId}/budget`,
    base: { limit_usd: 1000, period: 'monthly' },
    fields: ['limit_usd', 'period', 'soft_limit_ratio', 'action'],
  },
  { method: 'GET', path: (c, id) => `/admin/tenants/${id ?? c.tenantId}/budget` },
  { method: 'DELETE', path: (c, id) => `/admin/tenants/${id ?? c.tenantId}/budget` },
  {
    method: 'GET',
    path: (c, id) => `/admin/tenants/${id ?? c.tenantId}/usage`,
    query: ['from', 'to', 'group_by'],
  },
  {
    method: 'PUT',
    path: (c, id) => `/admin/keys/${id ?? c.keyId}/budget`,
    base: { limit_usd: 1000, period: 'total' },
    fields: ['limit_usd', 'period'],
  },
  { method: 'GET', path: (c, id) => `/admin/keys/${id ?? c.keyId}/budget` },
  { method: 'DELETE', path: (c, id) => `/admin/keys/${id ?? c.keyId}/budget` },
  { method: 'GET', path: (c, id) => `/admin/tenants/${id ?? c.tenantId}/policy`, policyOnly: true },
  {
    method: 'PUT',
    path: (c, id) => `/admin/tenants/${id ?? c.tenantId}/policy`,
    base: { safety_action: 'refuse' },
    fields: ['allowed_providers', 'allowed_models', 'blocked_models', 'pii', 'safety_action', 'routing'],
    policyOnly: true,
  },
  { method: 'DELETE', path: (c, id) => `/admin/tenants/${id ?? c.tenantId}/policy`, policyOnly: true },
  // Last: revoking the admin-side key.
  { method: 'DELETE', path: (c, id) => `/admin/keys/${id ?? c.keyId}` },
];

const HOSTILE_IDS = [
  '00000000-0000-0000-0000-000000000000',
  'not-a-uuid',
  '%00',
  '..',
  'x'.repeat(3_000),
  '%E2%80%AE',
  "1'%20OR%20'1'='1",
  '0F0E0D0C-0000-4000-8000-00000000000G',
];

const queryValue = (value: unknown): string =>
  encodeURIComponent(
    typeof value === 'string' ? value.slice(0, 2_000) : (JSON.stringify(value) ?? '').slice(0, 2_000),
  );

function adminCases(ctx: CorpusContext): HostileCase[] {
  const admin = { authorization: `Bearer ${ctx.adminKey}`, ...JSON_TYPE };
  const cases: HostileCase[] = [];
  ADMIN_ROUTES.filter((route) => ctx.policy || !route.policyOnly).forEach((route, r) => {
    const path = route.path(ctx);
    (route.fields ?? []).forEach((field, i) => {
      for (const [name, value] of valuesFor(r * 5 + i, 12)) {
        cases.push({
          name: `${route.method} ${path} ${field} = ${name}`,
          method: route.method,
          path,
          headers: admin,
          body: json(withValue(route.base, [field], value)),
        });
      }
    });
    if (route.base) {
      for (const [name, value] of valuesFor(r, 4)) {
        cases.push({
          name: `${route.method} ${path} body = ${name}`,
          method: route.method,
          path,
          headers: admin,
          body: json(value),
        });
      }
    }
    (route.query ?? []).forEach((param, i) => {
      for (const [name, value] of valuesFor(r + i * 3, 8)) {
        cases.push({
          name: `${route.method} ${path}?${param}=${name}`,
          method: route.method,
          path: `${path}?${param}=${queryValue(value)}`,
          headers: admin,
        });
      }
      cases.push({
        name: `${route.method} ${path}?${param} repeated`,
        method: route.method,
        path: `${path}?${param}=1&${param}=2&${param}[x]=3`,
        headers: admin,
      });
    });
    for (const id of HOSTILE_IDS.slice(0, 4 + (r % 4))) {
      cases.push({
        name: `${route.method} ${route.path(ctx, id).slice(0, 60)}`,
        method: route.method,
        path: route.path(ctx, id),
        headers: admin,
        body: route.base ? json(route.base) : undefined,
      });
    }
    cases.push({
      name: `${route.method} ${path} wrong admin key`,
      method: route.method,
      path,
      headers: { ...admin, authorization: 'Bearer wrong-admin-key-0123456789' },
    });
    cases.push({
      name: `${route.method} ${path} client key`,
      method: route.method,
      path,
      headers: { ...admin, authorization: `Bearer ${ctx.apiKey}` },
    });
  });
  return cases;
}

/** The whole corpus for one gateway (≥ 1,000 cases). */
export function buildCorpus(ctx: CorpusContext): HostileCase[] {
  return [
    ...chatFieldCases(ctx),
    ...chatStructureCases(ctx),
    ...encodingCases(ctx),
    ...headerCases(ctx),
    ...otherRouteCases(ctx),
    ...adminCases(ctx),
    ...rawCases(),
  ];
}

export { HOSTILE_VALUES };
