import { ErrorCode } from '../../src/common/errors';
import { loadAppConfig } from '../../src/config/app-config';
import { UpstreamHttpService } from '../../src/providers/http/upstream-http.service';
import { createLiteLLMAdapter } from '../../src/providers/litellm/litellm.adapter';
import type { ChatMessage } from '../../src/common/openai/chat.types';
import type { ProviderError } from '../../src/providers/provider.types';
import type { ProviderKey } from '../../src/common/provider-keys';
import { assemble, callOptions, collect, request, startAdapterHarness, AdapterHarness } from './harness';

const PROVIDERS: ProviderKey[] = ['openai', 'anthropic', 'mistral', 'litellm'];
const weatherTool = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Current weather',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  try {
    await promise;
  } catch (error) {
    return error as ProviderError;
  }
  throw new Error('expected a failure');
}

describe('provider adapters against the fake upstream (real HTTP)', () => {
  let h: AdapterHarness;
  beforeAll(async () => {
    h = await startAdapterHarness();
  });
  afterAll(() => h.close());
  beforeEach(() => h.fake.reset());

  describe.each(PROVIDERS)('%s', (key) => {
    it('answers non-stream and stream with the same text, usage on the last chunk, right path and credentials', async () => {
      const adapter = h.adapters[key];
      h.fake.setDefault({ text: 'The quick brown fox jumps over the lazy dog.', chunkWords: 2 });
      const done = await adapter.complete(request('model-a'), callOptions());
      const chunks = await collect(adapter.stream(request('model-a'), callOptions()));
      expect(done.object).toBe('chat.completion');
      expect(done.choices[0].message.content).toBe('The quick brown fox jumps over the lazy dog.');
      expect(assemble(chunks).text).toBe(done.choices[0].message.content);
      expect(chunks.length).toBeGreaterThan(4);
      const last = chunks[chunks.length - 1];
      expect(last.choices).toEqual([]);
      expect(last.usage?.total_tokens).toBeGreaterThan(0);
      expect(chunks.slice(0, -1).every((c) => c.usage === undefined)).toBe(true);
      expect(assemble(chunks).finish).toBe('stop');

      const [plain, streamed] = h.fake.requests;
      const paths = {
        openai: '/openai/v1/chat/completions',
        anthropic: '/anthropic/v1/messages',
        mistral: '/mistral/v1/chat/completions',
        litellm: '/litellm/v1/chat/completions',
      };
      expect(plain.path).toBe(paths[key]);
      expect(streamed.body.stream).toBe(true);
      if (key === 'anthropic') {
        expect(plain.headers['x-api-key']).toBe('sk-ant-fake');
        expect(plain.headers['anthropic-version']).toBe('2023-06-01');
      } else {
        expect(plain.headers.authorization).toBe(`Bearer ${h.fake.env()[`${key.toUpperCase()}_API_KEY`]}`);
      }
    });

    it('returns parallel tool calls (non-stream and stream)', async () => {
      const adapter = h.adapters[key];
      const calls = [
        { name: 'get_weather', arguments: { city: 'Paris' } },
        { name: 'get_weather', arguments: { city: 'Rome' } },
      ];
      h.fake.setDefault({ toolCalls: calls });
      const req = request('model-a', { tools: [weatherTool] });
      const done = await adapter.complete(req, callOptions());
      const message = done.choices[0].message;
      expect(done.choices[0].finish_reason).toBe('tool_calls');
      expect(message.tool_calls?.map((c) => JSON.parse(c.function.arguments) as unknown)).toEqual([
        { city: 'Paris' },
        { city: 'Rome' },
      ]);
      const streamed = assemble(await collect(adapter.stream(req, callOptions())));
      expect(streamed.finish).toBe('tool_calls');
      expect(streamed.toolCalls.map((c) => [c.name, JSON.parse(c.arguments) as unknown])).toEqual([
        ['get_weather', { city: 'Paris' }],
        ['get_weather', { city: 'Rome' }],
      ]);
      expect(streamed.toolCalls.every((c) => c.id.length > 0)).toBe(true);
    });

    it('completes a tool round trip started by another provider (foreign tool-call ids)', async () => {
      const messages: ChatMessage[] = [
        { role: 'system', content: 'You are a weather bot.' },
        { role: 'user', content: 'Weather in Paris and Rome?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'call_Xy12abcdEFGH34',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
            },
            {
              id: 'toolu_01A09q90qw90lq917835lq9',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":"Rome"}' },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'call_Xy12abcdEFGH34', content: '18°C' },
        { role: 'tool', tool_call_id: 'toolu_01A09q90qw90lq917835lq9', content: '24°C' },
      ];
      h.fake.setDefault({ text: 'Paris 18°C, Rome 24°C.' });
      const done = await h.adapters[key].complete(
        request('model-a', { messages, tools: [weatherTool] }),
        callOptions(),
      );
      expect(done.choices[0].message.content).toBe('Paris 18°C, Rome 24°C.');
      const sent = h.fake.requests[0].body as { messages: Array<Record<string, unknown>> };
      if (key === 'anthropic') {
        expect(sent.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
        expect((sent.messages[2].content as Array<{ type: string }>).map((b) => b.type)).toEqual([
          'tool_result',
          'tool_result',
        ]);
      }
      if (key === 'mistral') {
        const ids = sent.messages.flatMap((m) => [
          ...((m.tool_calls as Array<{ id: string }> | undefined) ?? []).map((c) => c.id),
          ...(m.tool_call_id ? [m.tool_call_id] : []),
        ]);
        expect(ids.every((id) => /^[a-zA-Z0-9]{9}$/.test(String(id)))).toBe(true);
        expect(ids[0]).toBe(ids[2]);
        expect(ids[1]).toBe(ids[3]);
      }
    });

    it('answers JSON mode with valid JSON text (non-stream and stream)', async () => {
      h.fake.setDefault({ json: { city: 'Paris', temperature: 18 } });
      const req = request('model-a', {
        messages: [{ role: 'user', content: 'Weather in Paris as JSON.' }],
        response_format: { type: 'json_object' },
      });
      const done = await h.adapters[key].complete(req, callOptions());
      expect(JSON.parse(done.choices[0].message.content ?? '')).toEqual({ city: 'Paris', temperature: 18 });
      expect(done.choices[0].finish_reason).toBe('stop');
      const streamed = assemble(await collect(h.adapters[key].stream(req, callOptions())));
      expect(JSON.parse(streamed.text)).toEqual({ city: 'Paris', temperature: 18 });
      expect(streamed.finish).toBe('stop');
    });

    it('maps a truncated answer to finish_reason "length"', async () => {
      const native = {
        openai: 'length',
        anthropic: 'max_tokens',
        mistral: 'model_length',
        litellm: 'length',
      }[key];
      h.fake.setDefault({ finishReason: native });
      const done = await h.adapters[key].complete(request('model-a', { max_tokens: 5 }), callOptions());
      expect(done.choices[0].finish_reason).toBe('length');
      expect(
        assemble(await collect(h.adapters[key].stream(request('model-a', { max_tokens: 5 }), callOptions())))
          .finish,
      ).toBe('length');
    });

    it('maps a provider 401 to a 502 provider_auth_failed naming the provider', async () => {
      h.fake.setDefault({ status: 401 });
      const error = await failure(h.adapters[key].complete(request('model-a'), callOptions()));
      expect([error.code, error.status, error.retryable, error.upstreamStatus]).toEqual([
        ErrorCode.ProviderAuthFailed,
        502,
        false,
        401,
      ]);
      expect(error.message).toContain(key);
      const streamError = await failure(collect(h.adapters[key].stream(request('model-a'), callOptions())));
      expect(streamError.code).toBe(ErrorCode.ProviderAuthFailed);
    });

    it('passes a provider 400 message through', async () => {
      h.fake.setDefault({ status: 400, error: { message: 'messages: bad thing happened' } });
      const error = await failure(h.adapters[key].complete(request('model-a'), callOptions()));
      expect([error.code, error.status, error.retryable]).toEqual([ErrorCode.ProviderBadRequest, 400, false]);
      expect(error.message).toContain('bad thing happened');
    });

    it('keeps retry-after on 429', async () => {
      h.fake.setDefault({ status: 429, retryAfter: 3 });
      const error = await failure(h.adapters[key].complete(request('model-a'), callOptions()));
      expect([error.code, error.status, error.retryable, error.retryAfter, error.retryAfterMs]).toEqual([
        ErrorCode.ProviderRateLimited,
        429,
        true,
        3,
        3000,
      ]);
    });

    it('makes 5xx retryable, also on a stream before its first chunk', async () => {
      h.fake.setDefault({ status: key === 'anthropic' ? 529 : 503 });
      const error = await failure(h.adapters[key].complete(request('model-a'), callOptions()));
      expect([error.code, error.retryable]).toEqual([ErrorCode.ProviderUnavailable, true]);
      const iterator = h.adapters[key].stream(request('model-a'), callOptions())[Symbol.asyncIterator]();
      const first = await failure(iterator.next());
      expect([first.code, first.retryable]).toEqual([ErrorCode.ProviderUnavailable, true]);
    });

    it('fails mid-stream with provider_stream_error after chunks were yielded (error event and reset)', async () => {
      for (const failMode of ['error_event', 'reset'] as const) {
        h.fake.setDefault({ completionTokens: 40, chunkWords: 2, failAfterEvents: 4, failMode });
        const seen: string[] = [];
        const error = await failure(
          (async () => {
            for await (const chunk of h.adapters[key].stream(request('model-a'), callOptions()))
              seen.push(chunk.choices[0]?.delta.content ?? '');
          })(),
        );
        expect(seen.length).toBeGreaterThan(0);
        expect([error.code, error.status, error.retryable]).toEqual([
          ErrorCode.ProviderStreamError,
          502,
          false,
        ]);
        expect(error.message).toContain(key);
      }
    });

    it('aborts the upstream request when the client disconnects mid-stream', async () => {
      h.fake.setDefault({ completionTokens: 200, chunkWords: 1, chunkDelayMs: 20 });
      const controller = new AbortController();
      const seen: unknown[] = [];
      const error = await failure(
        (async () => {
          for await (const chunk of h.adapters[key].stream(
            request('model-a'),
            callOptions(controller.signal),
          )) {
            seen.push(chunk);
            if (seen.length === 2) controller.abort();
          }
        })(),
      );
      expect(error.message).toContain('client disconnected');
      await h.fake.waitFor(() => h.fake.requests[0]?.aborted === true);
      expect(h.fake.requests[0].completed).toBe(false);
    });

    it('aborts the upstream request when the consumer stops reading', async () => {
      h.fake.setDefault({ completionTokens: 200, chunkWords: 1, chunkDelayMs: 20 });
      for await (const chunk of h.adapters[key].stream(request('model-a'), callOptions())) {
        expect(chunk).toBeDefined();
        break;
      }
      await h.fake.waitFor(() => h.fake.requests[0]?.aborted === true);
    });
  });

  it('aborts a pending non-stream request when the client disconnects', async () => {
    h.fake.setDefault({ hang: true });
    const controller = new AbortController();
    const pending = h.adapters.openai.complete(request('gpt'), callOptions(controller.signal));
    await h.fake.waitFor(() => h.fake.requests.length === 1);
    controller.abort();
    const error = await failure(pending);
    expect([error.retryable, error.message]).toEqual([
      false,
      'request to openai aborted: the client disconnected',
    ]);
    await h.fake.waitFor(() => h.fake.requests[0].aborted);
  });

  it('treats a connection reset before the response as a retryable connection error', async () => {
    h.fake.setDefault({ reset: true });
    const error = await failure(h.adapters.mistral.complete(request('m'), callOptions()));
    expect([error.code, error.retryable]).toEqual([ErrorCode.ProviderUnavailable, true]);
  });

  it('reports usage with cache tokens', async () => {
    h.fake.setDefault({ usage: { prompt: 100, completion: 20, cacheRead: 1000, cacheWrite: 50 } });
    const anthropic = await h.adapters.anthropic.complete(request('claude'), callOptions());
    expect(anthropic.usage).toEqual({
      prompt_tokens: 1150,
      completion_tokens: 20,
      total_tokens: 1170,
      prompt_tokens_details: { cached_tokens: 1000, cache_creation_tokens: 50 },
    });
    const streamed = await collect(h.adapters.anthropic.stream(request('claude'), callOptions()));
    expect(streamed[streamed.length - 1].usage).toEqual(anthropic.usage);
    h.fake.setDefault({ usage: { prompt: 1200, completion: 20, cacheRead: 1024 } });
    const openai = await h.adapters.openai.complete(request('gpt'), callOptions());
    expect(openai.usage).toMatchObject({
      prompt_tokens: 1200,
      prompt_tokens_details: { cached_tokens: 1024 },
    });
  });

  it('sends system/developer messages and images in each provider format', async () => {
    const messages: ChatMessage[] = [
      { role: 'developer', content: 'Describe images briefly.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is this?' },
          { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
        ],
      },
    ];
    await h.adapters.anthropic.complete(request('claude', { messages }), callOptions());
    await h.adapters.mistral.complete(request('pixtral', { messages }), callOptions());
    await h.adapters.openai.complete(request('gpt', { messages }), callOptions());
    const [anthropic, mistral, openai] = h.fake.requests.map(
      (r) => r.body as { system?: string; messages: Array<{ role: string; content: unknown }> },
    );
    expect(anthropic.system).toBe('Describe images briefly.');
    expect(anthropic.messages[0].content).toEqual([
      { type: 'text', text: 'What is this?' },
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
    ]);
    expect(mistral.messages[0]).toEqual({ role: 'system', content: 'Describe images briefly.' });
    expect(mistral.messages[1].content).toEqual(messages[1].content);
    expect(openai.messages).toEqual(messages);
  });

  it('sends Mistral only what it accepts, so a rich OpenAI request passes its strict validation', async () => {
    const rich = request('mistral-small', {
      messages: [
        { role: 'developer', content: 'Be brief.' },
        { role: 'user', content: 'Hi', name: 'alice' },
      ],
      user: 'u-1',
      seed: 7,
      max_completion_tokens: 64,
      store: false,
      stream_options: { include_usage: true },
      tool_choice: 'required',
      tools: [weatherTool],
      parallel_tool_calls: true,
      custom_vendor_flag: true,
    });
    await h.adapters.mistral.complete(rich, callOptions());
    const chunks = await collect(h.adapters.mistral.stream(rich, callOptions()));
    expect(chunks[chunks.length - 1].usage).toBeDefined();
    expect(h.fake.requests[0].body).toMatchObject({ random_seed: 7, max_tokens: 64, tool_choice: 'any' });
  });

  it('rejects an unsupported parameter before any HTTP call', async () => {
    const error = await failure(h.adapters.anthropic.complete(request('claude', { n: 3 }), callOptions()));
    expect([error.code, error.param]).toEqual([ErrorCode.UnsupportedParameter, 'n']);
    expect(h.fake.requests).toHaveLength(0);
  });

  it('reuses keep-alive connections across non-stream and stream requests', async () => {
    const round = async (): Promise<void> => {
      await h.adapters.anthropic.complete(request('claude'), callOptions());
      await collect(h.adapters.anthropic.stream(request('claude'), callOptions()));
    };
    // undici may open a second socket when a request is sent in the very tick the previous
    // one completes; after that warm-up, sequential traffic must not open new connections.
    await round();
    await round();
    const before = h.fake.connections();
    for (let i = 0; i < 5; i++) await round();
    expect(h.fake.connections() - before).toBeLessThanOrEqual(1);
  });

  it('carries a ~1 MB request body', async () => {
    const big = 'x'.repeat(1024 * 1024);
    const done = await h.adapters.openai.complete(
      request('gpt', { messages: [{ role: 'user', content: big }] }),
      callOptions(),
    );
    expect(done.choices[0].message.content).toBeTruthy();
    expect((h.fake.requests[0].body.messages as Array<{ content: string }>)[0].content).toHaveLength(
      big.length,
    );
  });
});

describe('provider adapters: timeouts and base URLs', () => {
  let h: AdapterHarness;
  beforeAll(async () => {
    h = await startAdapterHarness({
      PROVIDER_FIRST_BYTE_TIMEOUT_MS: '150',
      PROVIDER_TOTAL_TIMEOUT_MS: '400',
    });
  });
  afterAll(() => h.close());
  beforeEach(() => h.fake.reset());

  it('times out waiting for the first byte', async () => {
    h.fake.setDefault({ latencyMs: 1000 });
    const started = Date.now();
    const error = await failure(h.adapters.anthropic.complete(request('claude'), callOptions()));
    expect([error.code, error.status, error.retryable]).toEqual([ErrorCode.ProviderTimeout, 504, true]);
    expect(Date.now() - started).toBeLessThan(900);
    await h.fake.waitFor(() => h.fake.requests[0].aborted);
  });

  it('times out a stream that stalls between chunks', async () => {
    h.fake.setDefault({ completionTokens: 30, failAfterEvents: 3, failMode: 'stall' });
    const error = await failure(collect(h.adapters.openai.stream(request('gpt'), callOptions())));
    expect(error.code).toBe(ErrorCode.ProviderStreamError);
    expect(error.message).toMatch(/timed out|did not finish/);
  });

  it('enforces the total time budget', async () => {
    h.fake.setDefault({ completionTokens: 100, chunkWords: 1, chunkDelayMs: 100 });
    const error = await failure(collect(h.adapters.mistral.stream(request('m'), callOptions())));
    expect(error.code).toBe(ErrorCode.ProviderStreamError);
    expect(error.message).toContain('did not finish within 400 ms');
  });

  it('accepts a LiteLLM base URL that already ends in /v1', async () => {
    const config = loadAppConfig({ LITELLM_BASE_URL: `${h.fake.baseUrls.litellm}/v1/` });
    const http = new UpstreamHttpService(config);
    const adapter = createLiteLLMAdapter(config, http)!;
    await adapter.complete(request('gpt'), callOptions());
    expect(h.fake.requests[0].path).toBe('/litellm/v1/chat/completions');
    expect(h.fake.requests[0].headers.authorization).toBeUndefined();
    await http.onApplicationShutdown();
  });
});
