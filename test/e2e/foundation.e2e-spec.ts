import { authHeader, bootTestApp, TestApp, TEST_ADMIN_KEY, TEST_API_KEY } from '../support/app';
import { sseEvents, sseText } from '../support/sse';

const hello = { model: 'auto', messages: [{ role: 'user', content: 'Hello! How are you today?' }] };

function expectOpenAIError(body: unknown, status: number, response: { status: number }, code?: string): void {
  expect(response.status).toBe(status);
  const error = (body as { error: Record<string, unknown> }).error;
  expect(error).toEqual(
    expect.objectContaining({
      message: expect.any(String),
      type: expect.any(String),
    }),
  );
  expect(Object.keys(error).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(error.param === null || typeof error.param === 'string').toBe(true);
  if (code) expect(error.code).toBe(code);
}

describe('gateway foundation (basic mode, TEST_MODE, embedded database)', () => {
  let gateway: TestApp;

  beforeAll(async () => {
    gateway = await bootTestApp({ BODY_LIMIT: '2mb', ADMIN_API_KEY: TEST_ADMIN_KEY });
  });
  afterAll(async () => gateway.close());

  it('answers a chat completion with router_metadata and routing headers', async () => {
    const response = await gateway.http.post('/v1/chat/completions').set(authHeader).send(hello).expect(200);
    const body = response.body;
    expect(body.object).toBe('chat.completion');
    expect(body.choices[0].message.role).toBe('assistant');
    expect(typeof body.choices[0].message.content).toBe('string');
    expect(body.usage.prompt_tokens).toBeGreaterThan(0);
    expect(body.usage.completion_tokens).toBeGreaterThan(0);
    expect(body.router_metadata).toEqual(
      expect.objectContaining({
        selected_provider: expect.any(String),
        selected_model: expect.any(String),
        routing_reason: expect.any(String),
        intent_label: expect.any(String),
        intent_confidence: expect.any(Number),
        cost_usd: expect.any(Number),
        cache_hit: false,
        simulated: true,
        request_id: response.headers['x-request-id'],
      }),
    );
    expect(body.router_metadata.intent_signals).toEqual(
      expect.objectContaining({
        token_length_est: expect.any(Number),
        has_code_fence: false,
        has_programming_keywords: expect.any(Boolean),
        signals: expect.objectContaining({ code: false, translation: false, vision: false, safety: false }),
      }),
    );
    expect(response.headers['x-modelmuxer-provider']).toBe(body.router_metadata.selected_provider);
    expect(response.headers['x-modelmuxer-model']).toBe(body.router_metadata.selected_model);
    expect(response.headers['x-modelmuxer-intent']).toBe(body.router_metadata.intent_label);
    expect(Number(response.headers['x-modelmuxer-overhead-ms'])).toBeGreaterThanOrEqual(0);
    expect(Number(response.headers['x-modelmuxer-cost-usd'])).toBeCloseTo(body.router_metadata.cost_usd, 9);
  });

  it('is deterministic in TEST_MODE: the same request gives the same text', async () => {
    const first = await gateway.http.post('/v1/chat/completions').set(authHeader).send(hello).expect(200);
    const second = await gateway.http.post('/v1/chat/completions').set(authHeader).send(hello).expect(200);
    expect(second.body.choices[0].message.content).toBe(first.body.choices[0].message.content);
    expect(second.body.router_metadata.selected_model).toBe(first.body.router_metadata.selected_model);
  });

  it('streams SSE chunks with router_metadata first and [DONE] last; text equals the non-stream text', async () => {
    const plain = await gateway.http.post('/v1/chat/completions').set(authHeader).send(hello).expect(200);
    const response = await gateway.http
      .post('/v1/chat/completions')
      .set(authHeader)
      .send({ ...hello, stream: true })
      .buffer(true)
      .parse(sseText)
      .expect(200);
    expect(response.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(response.headers['x-request-id']).toBeTruthy();
    expect(response.headers['x-modelmuxer-intent']).toBeTruthy();
    const events = sseEvents(response.body as string);
    expect(events[events.length - 1]).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((event) => JSON.parse(event));
    expect(chunks[0].object).toBe('chat.completion.chunk');
    expect(chunks[0].router_metadata.selected_model).toBeTruthy();
    expect(chunks.slice(1).every((chunk) => chunk.router_metadata === undefined)).toBe(true);
    const text = chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? '').join('');
    expect(text).toBe(plain.body.choices[0].message.content);
    // No usage for a client that did not ask for it.
    expect(chunks.some((chunk) => chunk.usage)).toBe(false);
  });

  it('lists models in the OpenAI shape, with the auto alias and extras', async () => {
    const response = await gateway.http.get('/v1/models').set(authHeader).expect(200);
    expect(response.body.object).toBe('list');
    const ids = response.body.data.map((model: { id: string }) => model.id);
    expect(ids).toContain('auto');
    const model = response.body.data.find((entry: { owned_by: string }) => entry.owned_by !== 'modelmuxer');
    expect(model).toEqual(
      expect.objectContaining({
        object: 'model',
        created: expect.any(Number),
        owned_by: expect.stringMatching(/^(openai|anthropic|mistral|litellm)$/),
        capabilities: expect.objectContaining({ vision: expect.any(Boolean), tools: expect.any(Boolean) }),
        context_window: expect.any(Number),
        pricing: expect.objectContaining({
          input_per_1m_usd: expect.any(Number),
          output_per_1m_usd: expect.any(Number),
        }),
      }),
    );
  });

  it('echoes a client x-request-id and generates one otherwise', async () => {
    const echoed = await gateway.http.get('/health').set('x-request-id', 'client-id-123').expect(200);
    expect(echoed.headers['x-request-id']).toBe('client-id-123');
    const generated = await gateway.http.get('/health').set('x-request-id', 'bad id with spaces').expect(200);
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  describe('operations', () => {
    it('GET /health is cheap liveness without auth', async () => {
      const response = await gateway.http.get('/health').expect(200);
      expect(response.body).toEqual({ status: 'ok' });
    });

    it('GET /health/ready checks the database and providers (details for the operator)', async () => {
      expect((await gateway.http.get('/health/ready').expect(200)).body).toEqual({ status: 'ok' });
      const response = await gateway.http
        .get('/health/ready')
        .set('authorization', `Bearer ${TEST_ADMIN_KEY}`)
        .expect(200);
      expect(response.body.status).toBe('ok');
      expect(response.body.details.database.status).toBe('up');
      expect(response.body.details.providers.status).toBe('up');
    });

    it('GET /metrics/prometheus exposes process and gateway metrics', async () => {
      await gateway.http.post('/v1/chat/completions').set(authHeader).send(hello).expect(200);
      const response = await gateway.http.get('/metrics/prometheus').expect(200);
      expect(response.text).toContain('process_cpu_user_seconds_total');
      expect(response.text).toMatch(
        /modelmuxer_http_requests_total\{route="\/v1\/chat\/completions",method="POST",status="200",status_class="2xx",error_code="none"\} \d+/,
      );
      expect(response.text).toContain('modelmuxer_http_request_duration_seconds_bucket');
    });
  });

  describe('errors are OpenAI error objects', () => {
    it('400 for malformed JSON', async () => {
      const response = await gateway.http
        .post('/v1/chat/completions')
        .set(authHeader)
        .set('content-type', 'application/json')
        .send('{"messages": [');
      expectOpenAIError(response.body, 400, response, 'invalid_json');
      expect(response.headers['x-request-id']).toBeTruthy();
    });

    it('400 naming the param for a missing or invalid field', async () => {
      const missing = await gateway.http.post('/v1/chat/completions').set(authHeader).send({ model: 'auto' });
      expectOpenAIError(missing.body, 400, missing, 'invalid_value');
      expect(missing.body.error.param).toBe('messages');
      const invalid = await gateway.http
        .post('/v1/chat/completions')
        .set(authHeader)
        .send({ messages: [{ role: 'user', content: 'hi' }], temperature: 'hot' });
      expectOpenAIError(invalid.body, 400, invalid);
      expect(invalid.body.error.param).toBe('temperature');
    });

    it('401 without a key and with a wrong key', async () => {
      const none = await gateway.http.post('/v1/chat/completions').send(hello);
      expectOpenAIError(none.body, 401, none, 'invalid_api_key');
      const wrong = await gateway.http
        .post('/v1/chat/completions')
        .set('authorization', 'Bearer nope-nope-nope')
        .send(hello);
      expectOpenAIError(wrong.body, 401, wrong, 'invalid_api_key');
      expect(wrong.body.error.message).not.toContain('nope-nope-nope');
    });

    it('accepts the key in x-api-key too', async () => {
      await gateway.http.post('/v1/chat/completions').set('x-api-key', TEST_API_KEY).send(hello).expect(200);
    });

    it('404 for an unknown route, 405 for a known route with the wrong method', async () => {
      const unknown = await gateway.http.get('/v1/nothing-here');
      expectOpenAIError(unknown.body, 404, unknown, 'not_found');
      const wrongMethod = await gateway.http.get('/v1/chat/completions').set(authHeader);
      expectOpenAIError(wrongMethod.body, 405, wrongMethod, 'method_not_allowed');
      expect(wrongMethod.headers.allow).toContain('POST');
    });

    it('413 for a body over BODY_LIMIT, while a ~1 MB body works', async () => {
      const big = 'lorem ipsum dolor sit amet '.repeat(40_000); // ~1.08 MB
      const ok = await gateway.http
        .post('/v1/chat/completions')
        .set(authHeader)
        .send({ messages: [{ role: 'user', content: `Summarise this: ${big}` }] });
      expect(ok.status).toBe(200);
      const tooBig = await gateway.http
        .post('/v1/chat/completions')
        .set(authHeader)
        .send({ messages: [{ role: 'user', content: big.repeat(2) }] });
      expectOpenAIError(tooBig.body, 413, tooBig, 'payload_too_large');
    });

    it('never answers malformed input with a 5xx', async () => {
      const user = (content: unknown) => ({ messages: [{ role: 'user', content }] });
      const bodies: unknown[] = [
        { messages: [null] },
        { messages: [{ role: 1, content: 'x' }] },
        { messages: [{ role: 'user', content: [null] }] },
        { messages: [{ role: 'user', content: [{ text: 'no type' }] }] },
        { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: 'not-an-object' }] }] },
        { messages: [{ role: 'assistant', content: null, tool_calls: [{ id: 1, function: null }] }] },
        { ...user('hi'), tools: [{ type: 'function', function: { name: 'ok', parameters: 'nope' } }] },
        { ...user('hi'), tools: 'all of them' },
        { ...user('hi'), n: -3 },
        { ...user('hi'), max_tokens: 1e308 },
        { ...user('hi'), temperature: null, top_p: 'high' },
        { ...user('hi'), stop: [1, 2] },
        { ...user('hi'), response_format: { type: 'json_schema' } },
        { ...user('hi'), stream_options: { include_usage: 'yes' } },
        { ...user('hi'), model: ['gpt-4o'] },
        { ...user('hi'), model: 'x'.repeat(10_000) },
        { ...user('hi'), logit_bias: 'none' },
        user({ nested: { deeply: [[[[[]]]]] } }),
        user('\u0000\uffff\ud800 broken surrogates'),
        { messages: Array.from({ length: 2_000 }, () => ({ role: 'user', content: 'spam' })) },
      ];
      for (const body of bodies) {
        const response = await gateway.http
          .post('/v1/chat/completions')
          .set(authHeader)
          .send(body as object);
        expect([JSON.stringify(body).slice(0, 80), response.status < 500]).toEqual([
          JSON.stringify(body).slice(0, 80),
          true,
        ]);
        if (response.status >= 400)
          expect(response.body.error).toEqual(expect.objectContaining({ type: expect.any(String) }));
      }
    });

    it('404 model_not_found for an unknown explicit model', async () => {
      const response = await gateway.http
        .post('/v1/chat/completions')
        .set(authHeader)
        .send({ ...hello, model: 'no-such-model-9000' });
      expectOpenAIError(response.body, 404, response, 'model_not_found');
      expect(response.body.error.param).toBe('model');
    });
  });
});

describe('readiness without any provider', () => {
  let gateway: TestApp;

  beforeAll(async () => {
    // Not TEST_MODE and no provider credentials: nothing can be served.
    gateway = await bootTestApp({ TEST_MODE: 'false', ADMIN_API_KEY: TEST_ADMIN_KEY });
  });
  afterAll(async () => gateway.close());

  it('answers 503 on /health/ready, naming the provider check, while /health stays up', async () => {
    await gateway.http.get('/health').expect(200);
    const ready = await gateway.http
      .get('/health/ready')
      .set('authorization', `Bearer ${TEST_ADMIN_KEY}`)
      .expect(503);
    expectOpenAIError(ready.body, 503, ready, 'service_unavailable');
    expect(ready.body.error.message).toBe('Not ready: providers failed.');
    expect(ready.body.status).toBe('error');
    expect(ready.body.details.providers).toEqual(expect.objectContaining({ status: 'down', available: [] }));
    expect(ready.body.details.database.status).toBe('up');
  });

  it('answers a chat request with 503 no_provider_available, not a 500', async () => {
    const response = await gateway.http.post('/v1/chat/completions').set(authHeader).send(hello);
    expectOpenAIError(response.body, 503, response, 'no_provider_available');
  });
});
