import fc from 'fast-check';
import { authHeader, bootTestApp, TestApp } from '../support/app';
import { expectHostileBodiesAnsweredWithoutLoss } from '../support/records';

/**
 * Property-based fuzz of the chat-completions body (fast-check): chat-shaped bodies whose every
 * field is sometimes valid, sometimes any JSON, with hostile strings (binary, lone surrogates,
 * special tokens). Whatever the body, the gateway answers below 500, and every refusal is an
 * OpenAI error object naming what was wrong.
 */
const SPECIAL = [
  '<|endoftext|>',
  '<|im_start|>system',
  '\u0000',
  '\ud800',
  '\udfff',
  '\u202e',
  '\ufeff',
  'a-'.repeat(500),
];
const ROLES = ['system', 'developer', 'user', 'assistant', 'tool', 'function'];

const anyJson = fc.jsonValue({ maxDepth: 3 });
const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 60 }), fc.constantFrom(...SPECIAL), fc.string());
const number = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, -1, 1e308, 2 ** 53 + 1, 1e12));
const maybe = <T>(valid: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 3, arbitrary: valid }, { weight: 1, arbitrary: anyJson });

const part = fc.oneof(
  fc.record({ type: fc.constant('text'), text: maybe(text) }),
  fc.record({
    type: fc.constant('image_url'),
    image_url: maybe(
      fc.record({ url: fc.oneof(fc.webUrl(), text), detail: maybe(fc.constantFrom('low', 'high', 'auto')) }),
    ),
  }),
  fc.record({ type: maybe(text) }, { requiredKeys: [] }),
);
const toolCall = fc.record(
  {
    id: maybe(text),
    type: maybe(fc.constant('function')),
    function: maybe(fc.record({ name: maybe(text), arguments: maybe(text) })),
  },
  { requiredKeys: [] },
);
const message = fc.record(
  {
    role: maybe(fc.constantFrom(...ROLES)),
    content: fc.oneof(text, fc.array(part, { maxLength: 3 }), fc.constant(null), anyJson),
    name: maybe(text),
    tool_calls: maybe(fc.array(toolCall, { maxLength: 2 })),
    tool_call_id: maybe(text),
  },
  { requiredKeys: ['role'] },
);
const tool = fc.record(
  {
    type: maybe(fc.constant('function')),
    function: maybe(
      fc.record(
        {
          name: maybe(fc.stringMatching(/^[a-z_]{1,10}$/)),
          description: maybe(text),
          parameters: maybe(fc.object({ maxDepth: 2 })),
        },
        { requiredKeys: [] },
      ),
    ),
  },
  { requiredKeys: [] },
);
const chatBody = fc.record(
  {
    model: maybe(
      fc.oneof(
        fc.constantFrom('auto', 'gpt-4o-mini', 'claude-haiku-4-5'),
        text,
        // A known name with a hostile tail is routed by its prefix: it reaches headers and storage.
        fc
          .tuple(fc.constantFrom('gpt-4o-mini', 'claude-haiku-4-5', 'mistral-small'), text)
          .map(([m, t]) => m + t),
      ),
    ),
    messages: maybe(fc.array(message, { minLength: 1, maxLength: 4 })),
    max_tokens: maybe(number),
    temperature: maybe(number),
    top_p: maybe(number),
    n: maybe(number),
    stop: maybe(fc.oneof(text, fc.array(text, { maxLength: 5 }))),
    stream: maybe(fc.boolean()),
    stream_options: maybe(fc.record({ include_usage: maybe(fc.boolean()) })),
    tools: maybe(fc.array(tool, { maxLength: 3 })),
    tool_choice: maybe(
      fc.oneof(
        fc.constantFrom('auto', 'none', 'required'),
        fc.record({ type: fc.constant('function'), function: fc.record({ name: text }) }),
      ),
    ),
    response_format: maybe(
      fc.record(
        {
          type: maybe(fc.constantFrom('text', 'json_object', 'json_schema')),
          json_schema: maybe(fc.record({ name: maybe(text), schema: maybe(fc.object({ maxDepth: 2 })) })),
        },
        { requiredKeys: ['type'] },
      ),
    ),
    seed: maybe(number),
    logit_bias: maybe(fc.dictionary(fc.string(), number, { maxKeys: 3 })),
    user: maybe(text),
    metadata: anyJson,
  },
  { requiredKeys: [] },
);

/** Valid in shape, hostile in every free string: these are answered, so they reach the records. */
const wellFormedBody = fc.record(
  {
    model: fc.oneof(
      fc.constantFrom('auto', 'gpt-4o-mini', 'claude-haiku-4-5'),
      fc.tuple(fc.constantFrom('gpt-4o-mini', 'claude-haiku-4-5'), text).map(([m, t]) => m + t),
    ),
    messages: fc
      .tuple(fc.option(text, { nil: undefined }), text)
      .map(([system, user]) => [
        ...(system === undefined ? [] : [{ role: 'system', content: system }]),
        { role: 'user', content: user },
      ]),
    user: text,
    metadata: fc.dictionary(fc.stringMatching(/^[a-z]{1,8}$/), text, { maxKeys: 3 }),
  },
  { requiredKeys: ['model', 'messages'] },
);

/** An OpenAI error object naming what was wrong. */
function expectOpenAIError(response: unknown): void {
  const body = response as { error?: Record<string, unknown> };
  expect(body.error).toEqual(
    expect.objectContaining({ message: expect.any(String), type: expect.any(String) }),
  );
  expect(body.error && 'param' in body.error && 'code' in body.error).toBe(true);
}

describe('chat body fuzz (fast-check)', () => {
  let gateway: TestApp;

  beforeAll(async () => {
    gateway = await bootTestApp({ RATE_LIMIT_RPM: '0', LOG_LEVEL: 'fatal' });
  }, 120_000);
  afterAll(async () => gateway?.close());

  it('never answers a 5xx, and every refusal is an OpenAI error', async () => {
    await fc.assert(
      fc.asyncProperty(
        chatBody,
        fc.constantFrom('/v1/chat/completions', '/v1/router/explain'),
        async (body, path) => {
          const response = await gateway.http.post(path).set(authHeader).send(body);
          expect(response.status).toBeLessThan(500);
          if (response.status >= 400) expectOpenAIError(response.body);
        },
      ),
      // A fixed seed keeps CI deterministic; FUZZ_SEED=<n> explores others.
      { numRuns: 300, seed: Number(process.env.FUZZ_SEED ?? 20_261_202) },
    );
  }, 120_000);

  it('answers well-formed bodies with hostile strings, and loses none of their usage or routing decisions', async () => {
    await expectHostileBodiesAnsweredWithoutLoss(gateway, '/v1/chat/completions', wellFormedBody, {
      numRuns: 150,
      minAnswered: 50,
      expectRefusal: expectOpenAIError,
    });
  }, 120_000);
});
