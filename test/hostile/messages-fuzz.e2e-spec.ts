import fc from 'fast-check';
import { authHeader, bootTestApp, TestApp } from '../support/app';
import { expectHostileBodiesAnsweredWithoutLoss } from '../support/records';

/**
 * Hostile input on Anthropic's Messages API in (POST /v1/messages, /v1/messages/count_tokens):
 * property-based fuzz of Messages-shaped bodies whose every field is sometimes valid, sometimes
 * any JSON, with hostile strings; plus the refusals that happen before the route (malformed
 * JSON, size limits, no key, wrong method). Whatever the body, the gateway answers below 500, and
 * every refusal is in Anthropic's error shape.
 */
const SPECIAL = ['<|endoftext|>', '\u0000', '\ud800', '\udfff', '\u202e', '\ufeff', 'a-'.repeat(500)];

const anyJson = fc.jsonValue({ maxDepth: 3 });
const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 60 }), fc.constantFrom(...SPECIAL), fc.string());
const number = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, -1, 1e308, 2 ** 53 + 1, 1024, 4096));
const maybe = <T>(valid: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 3, arbitrary: valid }, { weight: 1, arbitrary: anyJson });

const source = fc.oneof(
  fc.record({
    type: maybe(fc.constant('base64')),
    media_type: maybe(fc.constantFrom('image/png', 'image/jpeg', 'image/tiff')),
    data: maybe(fc.oneof(fc.base64String({ maxLength: 40 }), text)),
  }),
  fc.record({ type: maybe(fc.constant('url')), url: maybe(fc.oneof(fc.webUrl(), text)) }),
);
const block = fc.oneof(
  fc.record({ type: fc.constant('text'), text: maybe(text) }),
  fc.record({ type: fc.constant('image'), source: maybe(source) }),
  fc.record(
    {
      type: fc.constant('tool_use'),
      id: maybe(text),
      name: maybe(text),
      input: maybe(fc.object({ maxDepth: 2 })),
    },
    { requiredKeys: ['type'] },
  ),
  fc.record(
    {
      type: fc.constant('tool_result'),
      tool_use_id: maybe(text),
      content: maybe(fc.oneof(text, fc.array(fc.record({ type: fc.constant('text'), text: maybe(text) })))),
      is_error: maybe(fc.boolean()),
    },
    { requiredKeys: ['type'] },
  ),
  fc.record(
    {
      type: fc.constantFrom('thinking', 'redacted_thinking'),
      thinking: maybe(text),
      signature: maybe(text),
      data: maybe(text),
    },
    { requiredKeys: ['type'] },
  ),
  fc.record({ type: maybe(text) }, { requiredKeys: [] }),
);
const message = fc.record(
  {
    role: maybe(fc.constantFrom('user', 'assistant', 'system')),
    content: fc.oneof(text, fc.array(block, { maxLength: 3 }), fc.constant(null), anyJson),
  },
  { requiredKeys: ['role'] },
);
const tool = fc.record(
  {
    name: maybe(fc.stringMatching(/^[a-z_]{1,10}$/)),
    description: maybe(text),
    input_schema: maybe(fc.object({ maxDepth: 2 })),
    type: fc.constantFrom(undefined, 'custom', 'web_search_20250305'),
  },
  { requiredKeys: [] },
);
const messagesBody = fc.record(
  {
    model: maybe(
      fc.oneof(fc.constantFrom('auto', 'gpt-4o-mini', 'claude-haiku-4-5', 'mistral-small-latest'), text),
    ),
    max_tokens: maybe(number),
    messages: maybe(fc.array(message, { minLength: 1, maxLength: 4 })),
    system: maybe(
      fc.oneof(text, fc.array(fc.record({ type: maybe(fc.constant('text')), text: maybe(text) }))),
    ),
    temperature: maybe(number),
    top_p: maybe(number),
    top_k: maybe(number),
    stop_sequences: maybe(fc.array(text, { maxLength: 5 })),
    stream: maybe(fc.boolean()),
    metadata: maybe(fc.record({ user_id: maybe(text) }, { requiredKeys: [] })),
    tools: maybe(fc.array(tool, { maxLength: 3 })),
    tool_choice: maybe(
      fc.oneof(
        fc.record({ type: fc.constantFrom('auto', 'any', 'none') }),
        fc.record({ type: fc.constant('tool'), name: maybe(text) }),
      ),
    ),
    thinking: maybe(
      fc.record({ type: maybe(fc.constantFrom('enabled', 'disabled')), budget_tokens: maybe(number) }),
    ),
  },
  { requiredKeys: [] },
);

function expectAnthropicError(body: unknown): void {
  expect(body).toEqual(
    expect.objectContaining({
      type: 'error',
      error: expect.objectContaining({ type: expect.any(String), message: expect.any(String) }) as unknown,
    }),
  );
}

/** Valid in shape, hostile in every free string: these are answered, so they reach the records. */
const wellFormedBody = fc.record(
  {
    model: fc.oneof(
      fc.constantFrom('auto', 'claude-haiku-4-5'),
      fc.tuple(fc.constantFrom('claude-haiku-4-5', 'gpt-4o-mini'), text).map(([m, t]) => m + t),
    ),
    max_tokens: fc.integer({ min: 1, max: 512 }),
    system: text,
    messages: text.map((content) => [{ role: 'user', content }]),
    metadata: fc.record({ user_id: text }),
  },
  { requiredKeys: ['model', 'max_tokens', 'messages'] },
);

describe('Messages API hostile input', () => {
  let gateway: TestApp;

  beforeAll(async () => {
    gateway = await bootTestApp({ RATE_LIMIT_RPM: '0', LOG_LEVEL: 'fatal', BODY_LIMIT: '64kb' });
  }, 120_000);
  afterAll(async () => gateway?.close());

  it('never answers a 5xx, and every refusal is an Anthropic error', async () => {
    await fc.assert(
      fc.asyncProperty(
        messagesBody,
        fc.constantFrom('/v1/messages', '/v1/messages/count_tokens'),
        async (body, path) => {
          const response = await gateway.http.post(path).set(authHeader).send(body);
          expect(response.status).toBeLessThan(500);
          if (response.status >= 400) expectAnthropicError(response.body);
        },
      ),
      // A fixed seed keeps CI deterministic; FUZZ_SEED=<n> explores others.
      { numRuns: 300, seed: Number(process.env.FUZZ_SEED ?? 20_261_202) },
    );
  }, 120_000);

  it('answers well-formed bodies with hostile strings, and loses none of their usage or routing decisions', async () => {
    await expectHostileBodiesAnsweredWithoutLoss(gateway, '/v1/messages', wellFormedBody, {
      numRuns: 100,
      minAnswered: 30,
      expectRefusal: expectAnthropicError,
    });
  }, 120_000);

  it.each([
    ['malformed JSON', '{"model": "auto", "max_tokens": 5, "messages": [', 400, 'invalid_request_error'],
    ['a JSON array', '[1, 2, 3]', 400, 'invalid_request_error'],
    [
      'a body over BODY_LIMIT',
      JSON.stringify({
        model: 'auto',
        max_tokens: 5,
        messages: [{ role: 'user', content: 'x'.repeat(70_000) }],
      }),
      413,
      'request_too_large',
    ],
  ])('refuses %s in Anthropic shape', async (_what, raw, status, type) => {
    const response = await gateway.http
      .post('/v1/messages')
      .set(authHeader)
      .set('content-type', 'application/json')
      .send(raw);
    expect(response.status).toBe(status);
    expect(response.body).toMatchObject({ type: 'error', error: { type } });
    expect(response.headers['request-id']).toBe(response.headers['x-request-id']);
  });

  it('refuses a missing key, a wrong method and an unknown sub-route in Anthropic shape', async () => {
    const body = { model: 'auto', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] };
    const anonymous = await gateway.http.post('/v1/messages').send(body);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    const wrongMethod = await gateway.http.get('/v1/messages').set(authHeader);
    expect(wrongMethod.status).toBe(405);
    expectAnthropicError(wrongMethod.body);
    const unknown = await gateway.http.post('/v1/messages/batches').set(authHeader).send(body);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
  });

  it('keeps OpenAI error objects on /v1/chat/completions', async () => {
    const response = await gateway.http.post('/v1/chat/completions').set(authHeader).send({ model: 'auto' });
    expect(response.status).toBe(400);
    expect(response.body.error).toEqual(expect.objectContaining({ code: expect.any(String) }));
    expect(response.body.type).toBeUndefined();
  });
});
