import Anthropic from '@anthropic-ai/sdk';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootTestApp, TEST_API_KEY, TestApp } from '../support/app';
import { FakeUpstream, startFakeUpstream } from '../support/fake-upstream';

/**
 * The official `@anthropic-ai/sdk` pointed at ModelMuxer's POST /v1/messages, for a model of each
 * of the four providers (every provider pointed at the local fake upstream that speaks the real
 * wire formats): an Anthropic client routed to OpenAI, Mistral or LiteLLM models and back.
 */

function catalogWithLiteLLM(dir: string): string {
  const base = readFileSync(join(__dirname, '..', '..', 'config', 'models.yaml'), 'utf8');
  const extra = `
  - id: llama-3.3-70b
    provider: litellm
    upstream_id: llama-3.3-70b-instruct
    aliases: []
    tier: standard
    pricing: { input: 0.6, output: 0.6 }
    context_window: 131072
    max_output_tokens: 8192
    capabilities: { vision: true, tools: true, json_mode: true, streaming: true }
    quality: { chat_lite: 0.78, deep_reason: 0.62, code_gen: 0.70, json_extract: 0.76, translation: 0.76, vision: 0.5, safety_risk: 0.70 }
`;
  const file = join(dir, 'models.yaml');
  writeFileSync(file, base + extra);
  return file;
}

const MODELS = {
  openai: 'gpt-4o-mini',
  anthropic: 'claude-haiku-4-5',
  mistral: 'mistral-small-latest',
  litellm: 'llama-3.3-70b',
} as const;

const weatherTool: Anthropic.Tool = {
  name: 'get_weather',
  description: 'Current weather for a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

/** A 1×1 PNG. */
const PIXEL =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

function textOf(message: Anthropic.Message): string {
  return message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
}

describe('the @anthropic-ai/sdk against ModelMuxer /v1/messages', () => {
  let fake: FakeUpstream;
  let gateway: TestApp;
  let client: Anthropic;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mm-anthropic-sdk-'));
    fake = await startFakeUpstream();
    gateway = await bootTestApp(
      {
        ...fake.env(),
        TEST_MODE: 'false',
        MODELS_FILE: catalogWithLiteLLM(dir),
        PROVIDER_MAX_RETRIES: '0',
        CIRCUIT_FAILURE_THRESHOLD: '1000',
      },
      { listen: true },
    );
    client = new Anthropic({ baseURL: gateway.url, apiKey: TEST_API_KEY, maxRetries: 0 });
  }, 120_000);

  afterAll(async () => {
    await gateway?.close();
    await fake?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => fake.reset());

  describe.each(Object.entries(MODELS))('%s (%s)', (provider, model) => {
    it('creates a message (system, stop_sequences, metadata), with usage and router_metadata', async () => {
      const message = await client.messages.create({
        model,
        max_tokens: 256,
        system: 'You are terse.',
        stop_sequences: ['\n\nEND'],
        metadata: { user_id: 'user-42' },
        messages: [{ role: 'user', content: 'Say hello.' }],
      });
      expect(message.type).toBe('message');
      expect(message.role).toBe('assistant');
      expect(message.id).toMatch(/^msg_/);
      expect(textOf(message).length).toBeGreaterThan(0);
      expect(message.stop_reason).toBe('end_turn');
      expect(message.usage.input_tokens).toBeGreaterThan(0);
      expect(message.usage.output_tokens).toBeGreaterThan(0);
      const metadata = (message as unknown as { router_metadata: Record<string, unknown> }).router_metadata;
      expect(metadata.selected_provider).toBe(provider);
      expect(metadata.cost_usd).toEqual(expect.any(Number));
      const sent = fake.requests.at(-1)!;
      expect(sent.flavor).toBe(provider);
      const body = JSON.stringify(sent.body);
      expect(body).toContain('You are terse.');
      expect(body).toContain('\\n\\nEND');
      if (provider !== 'mistral') expect(body).toContain('user-42'); // Mistral has no user field
    });

    it('streams: the SDK assembles the same message, usage at the end', async () => {
      // Fixed upstream usage (the fake otherwise derives it from the body, which differs when streaming).
      fake.setDefault({ usage: { prompt: 31 } });
      const request = {
        model,
        max_tokens: 256,
        messages: [{ role: 'user' as const, content: 'Say hello.' }],
      };
      const plain = await client.messages.create(request);
      const stream = client.messages.stream(request);
      const deltas: string[] = [];
      stream.on('text', (text) => deltas.push(text));
      const final = await stream.finalMessage();
      expect(textOf(final)).toBe(textOf(plain));
      expect(deltas.join('')).toBe(textOf(plain));
      expect(final.stop_reason).toBe('end_turn');
      expect(final.usage.output_tokens).toBe(plain.usage.output_tokens);
      expect(final.usage.input_tokens).toBe(31);
      expect(plain.usage.input_tokens).toBe(31);
    });

    it('streams raw events in Anthropic order (create with stream: true)', async () => {
      const events = await client.messages.create({
        model,
        max_tokens: 64,
        messages: [{ role: 'user', content: 'Say hello.' }],
        stream: true,
      });
      const types: string[] = [];
      for await (const event of events) types.push(event.type);
      expect(types.slice(0, 2)).toEqual(['message_start', 'content_block_start']);
      expect(types).toContain('content_block_delta');
      expect(types.slice(-3)).toEqual(['content_block_stop', 'message_delta', 'message_stop']);
    });

    it('returns tool_use, and answers after the tool_result (round trip)', async () => {
      fake.enqueue({ toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] });
      const first = await client.messages.create({
        model,
        max_tokens: 256,
        tools: [weatherTool],
        tool_choice: { type: 'auto' },
        messages: [{ role: 'user', content: 'Weather in Paris?' }],
      });
      expect(first.stop_reason).toBe('tool_use');
      const call = first.content.find((block): block is Anthropic.ToolUseBlock => block.type === 'tool_use');
      expect(call).toMatchObject({ name: 'get_weather', input: { city: 'Paris' } });

      fake.enqueue({ text: 'It is sunny in Paris.' });
      const second = await client.messages.create({
        model,
        max_tokens: 256,
        tools: [weatherTool],
        messages: [
          { role: 'user', content: 'Weather in Paris?' },
          { role: 'assistant', content: first.content },
          {
            role: 'user',
            content: [
              { type: 'tool_result', tool_use_id: call!.id, content: '{"temp_c": 21, "sky": "clear"}' },
            ],
          },
        ],
      });
      expect(textOf(second)).toBe('It is sunny in Paris.');
      expect(second.stop_reason).toBe('end_turn');
      expect(JSON.stringify(fake.requests.at(-1)?.body)).toContain('temp_c');
    });

    it('streams a tool_use block the SDK assembles into its input', async () => {
      fake.enqueue({ toolCalls: [{ name: 'get_weather', arguments: { city: 'Oslo' } }] });
      const final = await client.messages
        .stream({
          model,
          max_tokens: 256,
          tools: [weatherTool],
          tool_choice: { type: 'any' },
          messages: [{ role: 'user', content: 'Weather in Oslo?' }],
        })
        .finalMessage();
      expect(final.stop_reason).toBe('tool_use');
      expect(final.content.find((block) => block.type === 'tool_use')).toMatchObject({
        name: 'get_weather',
        input: { city: 'Oslo' },
      });
    });

    it('sends a base64 image to the upstream in its own format', async () => {
      const message = await client.messages.create({
        model,
        max_tokens: 64,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PIXEL } },
              { type: 'text', text: 'What is in this image?' },
            ],
          },
        ],
      });
      expect(textOf(message).length).toBeGreaterThan(0);
      const sent = JSON.stringify(fake.requests.at(-1)?.body);
      expect(sent).toContain(PIXEL);
      if (provider === 'anthropic') expect(sent).toContain('"media_type":"image/png"');
      else expect(sent).toContain('data:image/png;base64,');
    });

    it('raises RateLimitError (Anthropic error shape) when the upstream 429 cannot be absorbed', async () => {
      fake.setDefault({ status: 429, retryAfter: 1 });
      const attempt = client.messages.create({
        model,
        max_tokens: 16,
        messages: [{ role: 'user', content: 'hi' }],
      });
      await expect(attempt).rejects.toBeInstanceOf(Anthropic.RateLimitError);
      await attempt.catch((error: InstanceType<typeof Anthropic.RateLimitError>) => {
        expect(error.error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
        expect(error.headers.get('retry-after')).toBeTruthy();
        expect(error.requestID).toBeTruthy();
      });
    });
  });

  it('raises AuthenticationError for a bad key (x-api-key) and accepts Bearer (authToken)', async () => {
    const stranger = new Anthropic({ baseURL: gateway.url, apiKey: 'sk-ant-not-ours', maxRetries: 0 });
    const attempt = stranger.messages.create({
      model: 'gpt-4o-mini',
      max_tokens: 16,
      messages: [{ role: 'user', content: 'hi' }],
    });
    await expect(attempt).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
    await attempt.catch((error: InstanceType<typeof Anthropic.AuthenticationError>) => {
      expect(error.error).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    });
    const bearer = new Anthropic({
      baseURL: gateway.url,
      apiKey: null,
      authToken: TEST_API_KEY,
      maxRetries: 0,
    });
    const message = await bearer.messages.create({
      model: 'gpt-4o-mini',
      max_tokens: 16,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(message.type).toBe('message');
  });

  it('raises BadRequestError for a body without max_tokens, and for an unknown model', async () => {
    const attempt = client.messages.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
    } as never);
    await expect(attempt).rejects.toBeInstanceOf(Anthropic.BadRequestError);
    await attempt.catch((error: InstanceType<typeof Anthropic.BadRequestError>) => {
      expect(error.error).toMatchObject({
        type: 'error',
        error: { type: 'invalid_request_error', message: 'max_tokens: Field required' },
      });
    });
    const unknown = client.messages.create({
      model: 'no-such-model-zzz',
      max_tokens: 16,
      messages: [{ role: 'user', content: 'hi' }],
    });
    await expect(unknown).rejects.toBeInstanceOf(Anthropic.NotFoundError);
    await unknown.catch((error: InstanceType<typeof Anthropic.NotFoundError>) => {
      expect(error.error).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
    });
  });

  it('ends a stream that fails midway with an Anthropic error event the SDK raises', async () => {
    fake.setDefault({ failAfterEvents: 3, failMode: 'error_event', completionTokens: 40 });
    const stream = client.messages.stream({
      model: 'gpt-4o-mini',
      max_tokens: 256,
      messages: [{ role: 'user', content: 'Tell me a story.' }],
    });
    await expect(stream.finalMessage()).rejects.toBeInstanceOf(Anthropic.APIError);
  });

  it('counts tokens (messages.countTokens)', async () => {
    const short = await client.messages.countTokens({
      model: 'claude-haiku-4-5',
      messages: [{ role: 'user', content: 'Hello' }],
    });
    const long = await client.messages.countTokens({
      model: 'claude-haiku-4-5',
      system: 'You are a helpful assistant.',
      tools: [weatherTool],
      messages: [{ role: 'user', content: 'Hello, how are you doing today? '.repeat(20) }],
    });
    expect(short.input_tokens).toBeGreaterThan(0);
    expect(long.input_tokens).toBeGreaterThan(short.input_tokens + 100);
    expect(fake.requests).toHaveLength(0);
  });

  it('routes model "auto" like /v1/chat/completions does', async () => {
    const message = await client.messages.create({
      model: 'auto',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'Hi there!' }],
    });
    const metadata = (message as unknown as { router_metadata: { routing_reason: string } }).router_metadata;
    expect(metadata.routing_reason).toEqual(expect.any(String));
    expect(fake.requests).toHaveLength(1);
  });
});
