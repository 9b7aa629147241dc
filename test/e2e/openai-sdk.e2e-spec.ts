import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { bootTestApp, TEST_API_KEY, TestApp } from '../support/app';
import { FakeUpstream, startFakeUpstream } from '../support/fake-upstream';

/**
 * The official `openai` SDK (v6) pointed at ModelMuxer, for a model of each of the four
 * providers, with every provider pointed at the local fake upstream that speaks the real wire
 * formats (OpenAI, Anthropic Messages, Mistral, LiteLLM) over HTTP.
 */

/** The shipped catalog plus one LiteLLM-served model (LiteLLM models are deployment-specific). */
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
    capabilities: { vision: false, tools: true, json_mode: true, streaming: true }
    quality: { chat_lite: 0.78, deep_reason: 0.62, code_gen: 0.70, json_extract: 0.76, translation: 0.76, vision: 0.0, safety_risk: 0.70 }
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

const weatherTool: OpenAI.Chat.Completions.ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

describe('the openai SDK against ModelMuxer', () => {
  let fake: FakeUpstream;
  let gateway: TestApp;
  let client: OpenAI;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mm-sdk-'));
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
    client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: TEST_API_KEY, maxRetries: 0 });
  });

  afterAll(async () => {
    await gateway?.close();
    await fake?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => fake.reset());

  describe.each(Object.entries(MODELS))('%s (%s)', (provider, model) => {
    it('completes without streaming', async () => {
      const completion = await client.chat.completions.create({
        model,
        messages: [
          { role: 'system', content: 'You are terse.' },
          { role: 'user', content: 'Say hello.' },
        ],
      });
      expect(completion.object).toBe('chat.completion');
      expect(completion.choices[0].message.content).toEqual(expect.any(String));
      expect(completion.choices[0].finish_reason).toBe('stop');
      expect(completion.usage?.prompt_tokens).toBeGreaterThan(0);
      expect(fake.requests.at(-1)?.flavor).toBe(provider);
    });

    it('streams the same text, with usage in the last chunk', async () => {
      const request = { model, messages: [{ role: 'user' as const, content: 'Say hello.' }] };
      const plain = await client.chat.completions.create(request);
      const stream = await client.chat.completions.create({
        ...request,
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = '';
      const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
      for await (const chunk of stream) {
        chunks.push(chunk);
        text += chunk.choices[0]?.delta?.content ?? '';
      }
      expect(text).toBe(plain.choices[0].message.content);
      const last = chunks[chunks.length - 1];
      expect(last.choices).toEqual([]);
      expect(last.usage?.completion_tokens).toBeGreaterThan(0);
      expect(chunks.slice(0, -1).some((chunk) => chunk.choices[0]?.finish_reason === 'stop')).toBe(true);
    });

    it('returns tool calls (non-stream), and answers after the tool result (round trip)', async () => {
      fake.enqueue({ toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] });
      const first = await client.chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'Weather in Paris?' }],
        tools: [weatherTool],
      });
      const message = first.choices[0].message;
      expect(first.choices[0].finish_reason).toBe('tool_calls');
      expect(message.tool_calls).toHaveLength(1);
      const call = message.tool_calls![0] as OpenAI.Chat.Completions.ChatCompletionMessageFunctionToolCall;
      expect(call.function.name).toBe('get_weather');
      expect(JSON.parse(call.function.arguments)).toEqual({ city: 'Paris' });

      fake.enqueue({ text: 'It is sunny in Paris.' });
      const second = await client.chat.completions.create({
        model,
        messages: [
          { role: 'user', content: 'Weather in Paris?' },
          message,
          { role: 'tool', tool_call_id: call.id, content: '{"temp_c": 21, "sky": "clear"}' },
        ],
        tools: [weatherTool],
      });
      expect(second.choices[0].message.content).toBe('It is sunny in Paris.');
      // The tool result reached the upstream in the provider's own format.
      const sent = JSON.stringify(fake.requests.at(-1)?.body);
      expect(sent).toContain('temp_c');
    });

    it('streams tool-call deltas that assemble into the call', async () => {
      fake.enqueue({ toolCalls: [{ name: 'get_weather', arguments: { city: 'Oslo' } }] });
      const stream = await client.chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'Weather in Oslo?' }],
        tools: [weatherTool],
        stream: true,
      });
      let name = '';
      let args = '';
      let finish: string | null = null;
      for await (const chunk of stream) {
        const choice = chunk.choices[0];
        if (!choice) continue;
        for (const delta of choice.delta.tool_calls ?? []) {
          name += delta.function?.name ?? '';
          args += delta.function?.arguments ?? '';
        }
        finish = choice.finish_reason ?? finish;
      }
      expect(name).toBe('get_weather');
      expect(JSON.parse(args)).toEqual({ city: 'Oslo' });
      expect(finish).toBe('tool_calls');
    });

    it('answers in JSON mode with valid JSON', async () => {
      fake.enqueue({ json: { name: 'Ada', born: 1815 } });
      const completion = await client.chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'Return {"name","born"} for Ada Lovelace as JSON.' }],
        response_format: { type: 'json_object' },
      });
      expect(JSON.parse(completion.choices[0].message.content ?? '')).toEqual({ name: 'Ada', born: 1815 });
    });

    it('lists the model', async () => {
      const ids: string[] = [];
      for await (const entry of client.models.list()) ids.push(entry.id);
      expect(ids).toContain(model);
      expect(ids).toContain('auto');
    });

    it('raises RateLimitError when the upstream 429 cannot be absorbed by a fallback', async () => {
      fake.setDefault({ status: 429, retryAfter: 1 });
      const attempt = client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] });
      await expect(attempt).rejects.toBeInstanceOf(OpenAI.RateLimitError);
      await attempt.catch((error: InstanceType<typeof OpenAI.RateLimitError>) => {
        expect(error.headers.get('retry-after')).toBeTruthy();
        expect(error.headers.get('x-request-id')).toBeTruthy();
      });
    });
  });

  it('raises AuthenticationError for a bad ModelMuxer key', async () => {
    const stranger = new OpenAI({
      baseURL: `${gateway.url}/v1`,
      apiKey: 'sk-not-a-modelmuxer-key',
      maxRetries: 0,
    });
    await expect(
      stranger.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    ).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it('raises BadRequestError for a body without messages', async () => {
    const attempt = client.chat.completions.create({ model: 'gpt-4o-mini' } as never);
    await expect(attempt).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await attempt.catch((error: InstanceType<typeof OpenAI.BadRequestError>) => {
      expect(error.param).toBe('messages');
    });
  });

  it('turns a provider credential failure into a gateway error naming the provider, not an auth error', async () => {
    fake.setDefault({ status: 401 });
    const attempt = client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
    });
    await expect(attempt).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    await attempt.catch((error: InstanceType<typeof OpenAI.APIError>) => {
      expect(error.status).toBe(502);
      expect(error.message).toMatch(/openai/i);
    });
  });

  it('embeddings.create: floats (the SDK asks for base64 and decodes it), dimensions, a list input', async () => {
    const single = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'hello world' });
    expect(single.object).toBe('list');
    expect(single.data).toHaveLength(1);
    expect(single.data[0].embedding).toHaveLength(1536);
    expect(single.data[0].embedding.every((value) => typeof value === 'number')).toBe(true);
    expect(single.usage.prompt_tokens).toBeGreaterThan(0);
    expect(fake.requests.at(-1)?.path).toBe('/openai/v1/embeddings');

    const many = await client.embeddings.create({
      model: 'text-embedding-3-large',
      input: ['one', 'two', 'three'],
      dimensions: 128,
      encoding_format: 'float',
    });
    expect(many.data.map((item) => item.index)).toEqual([0, 1, 2]);
    expect(many.data[2].embedding).toHaveLength(128);

    const mistral = await client.embeddings.create({ model: 'mistral-embed', input: ['bonjour'] });
    expect(mistral.data[0].embedding).toHaveLength(1024);
  });

  it('embeddings.create on an Anthropic model raises BadRequestError naming the model', async () => {
    const attempt = client.embeddings.create({ model: MODELS.anthropic, input: 'hi' });
    await expect(attempt).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await attempt.catch((error: InstanceType<typeof OpenAI.BadRequestError>) => {
      expect(error.param).toBe('model');
      expect(error.message).toMatch(/no embeddings API/);
    });
  });
});
