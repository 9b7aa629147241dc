import {
  requestIdFromHeaders,
  safeIdentifier,
  safeParam,
  safeRequestId,
  scrubUpstreamText,
  UPSTREAM_MESSAGE_MAX_CHARS,
} from './upstream-text';

describe('scrubUpstreamText', () => {
  it.each([
    [
      'could not connect to db-primary.internal:5432 (user=gateway password=hunter2): FATAL',
      'could not connect to [host] (user=gateway password=[redacted]): FATAL',
    ],
    [
      'could not connect to server "db-primary.internal" (10.1.2.3), port 5432',
      'could not connect to server "[host]" ([address]), port 5432',
    ],
    ['upstream postgres://app:pw@db:5432/x failed', 'upstream [url] failed'],
    ['login app:pw@db.internal:5432/app', 'login [credentials]'],
    [
      'Authorization: Bearer abc.def.ghi from ops@corp.example.com',
      'Authorization: [redacted] [redacted] from [email]',
    ],
    ['token: 0123456789abcdef0123456789abcdef01 api_key=xyz', 'token: [redacted] api_key=[redacted]'],
    ['key sk-proj-AbCdEfGhIj and mm-0123456789abcdefABCDEF', 'key [redacted] and [redacted]'],
    ['in organization org-7fQ2x9abc on tokens per min', 'in organization [redacted] on tokens per min'],
    ['via fe80::1, [::1]:8080 and [2001:db8::5]', 'via [address], [address] and [address]'],
    ['hosts api.openai.com, localhost and cache-1.prod', 'hosts [host], [host] and [host]'],
    ['line1\nline2\u0000\u2028tail', 'line1 line2 tail'],
  ])('scrubs %j', (input, expected) => {
    expect(scrubUpstreamText(input)).toBe(expected);
  });

  it.each([
    "This model's maximum context length is 128000 tokens. However, your messages resulted in 200000 tokens.",
    "Invalid 'messages[1].tool_calls': expected an array of objects.",
    'messages.0.content.1.image.source.base64.data: invalid base64 data',
    'messages: roles must alternate between "user" and "assistant"',
    'max_tokens: must be <= 8192; temperature: must be in [0, 1]',
    'claude-3-5-haiku-20241022 does not support image input (version 1.2.3)',
  ])('keeps what a client needs to fix a bad request: %j', (message) => {
    expect(scrubUpstreamText(message)).toBe(message);
  });

  it('caps the result and marks the cut', () => {
    const long = 'word '.repeat(1_000);
    const scrubbed = scrubUpstreamText(long);
    expect(scrubbed.length).toBeLessThanOrEqual(UPSTREAM_MESSAGE_MAX_CHARS);
    expect(scrubbed.endsWith('…')).toBe(true);
    expect(scrubUpstreamText('short', 300)).toBe('short');
  });

  it('does not look past its scan window (bounded work on hostile input)', () => {
    const hidden = `${'a'.repeat(5_000)} password=hunter2`;
    expect(scrubUpstreamText(hidden)).not.toContain('hunter2');
  });

  it('stays fast on adversarial strings (generous guard: the text is capped before any pattern runs)', () => {
    const inputs = [
      'a-'.repeat(40_000),
      'eyJ-'.repeat(20_000),
      'a:'.repeat(50_000),
      'a.'.repeat(50_000),
      '@'.repeat(100_000),
      'password: '.repeat(10_000),
      `[${':'.repeat(100_000)}]`,
    ];
    const started = performance.now();
    for (const input of inputs) scrubUpstreamText(input);
    expect(performance.now() - started).toBeLessThan(250);
  });
});

describe('identifiers from upstreams', () => {
  it('keeps parameter names, types, codes and request ids only when they are plain identifiers', () => {
    expect(safeParam('messages[0].content')).toBe('messages[0].content');
    expect(safeParam('see http://x')).toBeUndefined();
    expect(safeIdentifier('invalid_request_error')).toBe('invalid_request_error');
    expect(safeIdentifier('two words')).toBeUndefined();
    expect(safeRequestId('req_011CSHoEeqs5C35K2UUqR7G0')).toBe('req_011CSHoEeqs5C35K2UUqR7G0');
    expect(safeRequestId('<script>')).toBeUndefined();
    expect(safeRequestId(42)).toBeUndefined();
  });

  it('reads the upstream request id from the usual headers', () => {
    expect(requestIdFromHeaders({ 'x-request-id': 'req_1' })).toBe('req_1');
    expect(requestIdFromHeaders({ 'request-id': ['req_2', 'x'] })).toBe('req_2');
    expect(requestIdFromHeaders({ 'x-request-id': 'bad id', 'x-kong-request-id': 'k-3' })).toBe('k-3');
    expect(requestIdFromHeaders({})).toBeUndefined();
  });
});
