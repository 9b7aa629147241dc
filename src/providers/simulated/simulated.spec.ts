import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { ErrorCode } from '../../common/errors';
import type { ChatCompletionChunk } from '../../common/openai/chat.types';
import type { ProviderCallOptions, ProviderError, ProviderRequest } from '../provider.types';
import { SimulatedAdapter } from './simulated.adapter';
import { simulateChunks, simulateCompletion } from './simulated.response';

const base: ProviderRequest = {
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'Tell me about routing.' }],
};
const weather = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    parameters: {
      type: 'object',
      properties: {
        city: { type: 'string' },
        days: { type: 'integer', minimum: 1, maximum: 7 },
        unit: { enum: ['c', 'f'] },
      },
      required: ['city'],
    },
  },
};

function streamed(chunks: ChatCompletionChunk[], index = 0): string {
  return chunks.map((c) => c.choices.find((choice) => choice.index === index)?.delta.content ?? '').join('');
}

describe('simulated provider (pure)', () => {
  it('answers deterministically: same model and messages, same text', () => {
    const a = simulateCompletion('openai', base, 1);
    const b = simulateCompletion('openai', { ...base, temperature: 0.9 }, 2);
    expect(a.choices[0].message.content).toBe(b.choices[0].message.content);
    expect(a.id).toBe(b.id);
    const other = simulateCompletion(
      'openai',
      { ...base, messages: [{ role: 'user', content: 'Something else.' }] },
      1,
    );
    expect(other.choices[0].message.content).not.toBe(a.choices[0].message.content);
    expect(simulateCompletion('openai', { ...base, model: 'gpt-4o' }, 1).choices[0].message.content).not.toBe(
      a.choices[0].message.content,
    );
  });

  it('reports realistic usage counted with the tokenizer', () => {
    const completion = simulateCompletion('openai', base, 1);
    const text = completion.choices[0].message.content ?? '';
    expect(completion.usage?.completion_tokens).toBe(countTokens(text));
    expect(completion.usage?.prompt_tokens).toBeGreaterThan(5);
    expect(completion.usage?.total_tokens).toBe((completion.usage?.prompt_tokens ?? 0) + countTokens(text));
  });

  it('streams the same text in several chunks, usage on the last', () => {
    const chunks = simulateChunks('anthropic', base, 1);
    expect(chunks.length).toBeGreaterThan(4);
    expect(streamed(chunks)).toBe(simulateCompletion('anthropic', base, 1).choices[0].message.content);
    const last = chunks[chunks.length - 1];
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual(simulateCompletion('anthropic', base, 1).usage);
    expect(chunks[chunks.length - 2].choices[0].finish_reason).toBe('stop');
  });

  it('calls a tool when tools are given, with arguments matching its schema', () => {
    const completion = simulateCompletion('openai', { ...base, tools: [weather] }, 1);
    const call = completion.choices[0].message.tool_calls?.[0];
    expect(completion.choices[0].finish_reason).toBe('tool_calls');
    expect(completion.choices[0].message.content).toBeNull();
    expect(call?.function.name).toBe('get_weather');
    const args = JSON.parse(call?.function.arguments ?? '') as { city: unknown; days: number; unit: string };
    expect(typeof args.city).toBe('string');
    expect(args.days).toBeGreaterThanOrEqual(1);
    expect(args.days).toBeLessThanOrEqual(7);
    expect(['c', 'f']).toContain(args.unit);
    const chunks = simulateChunks('openai', { ...base, tools: [weather] }, 1);
    const argText = chunks
      .flatMap((c) => c.choices.flatMap((ch) => ch.delta.tool_calls ?? []))
      .map((d) => d.function?.arguments ?? '')
      .join('');
    expect(argText).toBe(call?.function.arguments);
  });

  it('answers in text when tool_choice is none or the last message is a tool result', () => {
    expect(
      simulateCompletion('openai', { ...base, tools: [weather], tool_choice: 'none' }, 1).choices[0]
        .finish_reason,
    ).toBe('stop');
    const roundTrip: ProviderRequest = {
      ...base,
      tools: [weather],
      messages: [
        ...base.messages,
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'call_1',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":"Oslo"}' },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '3°C' },
      ],
    };
    const answer = simulateCompletion('openai', roundTrip, 1);
    expect(answer.choices[0].finish_reason).toBe('stop');
    expect(answer.choices[0].message.content).toMatch(/^Simulated answer/);
  });

  it('mints tool-call ids in each provider format', () => {
    const id = (provider: 'openai' | 'mistral' | 'anthropic'): string =>
      simulateCompletion(provider, { ...base, tools: [weather] }, 1).choices[0].message.tool_calls?.[0].id ??
      '';
    expect(id('mistral')).toMatch(/^[a-zA-Z0-9]{9}$/);
    expect(id('anthropic')).toMatch(/^toolu_/);
    expect(id('openai')).toMatch(/^call_/);
  });

  it('returns valid JSON in JSON mode, matching a given schema', () => {
    const object = simulateCompletion('openai', { ...base, response_format: { type: 'json_object' } }, 1);
    expect(JSON.parse(object.choices[0].message.content ?? '')).toHaveProperty('answer');
    const schema = {
      type: 'object',
      properties: {
        name: { type: 'string' },
        tags: { type: 'array', items: { type: 'string' } },
        ok: { type: 'boolean' },
      },
    };
    const shaped = simulateCompletion(
      'mistral',
      { ...base, response_format: { type: 'json_schema', json_schema: { name: 's', schema } } },
      1,
    );
    const value = JSON.parse(shaped.choices[0].message.content ?? '') as {
      name: unknown;
      tags: unknown[];
      ok: unknown;
    };
    expect(typeof value.name).toBe('string');
    expect(Array.isArray(value.tags)).toBe(true);
    expect(typeof value.ok).toBe('boolean');
  });

  it('honours n, max_tokens and stop', () => {
    const three = simulateCompletion('openai', { ...base, n: 3 }, 1);
    expect(three.choices.map((c) => c.index)).toEqual([0, 1, 2]);
    const chunks = simulateChunks('openai', { ...base, n: 3 }, 1);
    expect([0, 1, 2].map((i) => streamed(chunks, i))).toEqual(three.choices.map((c) => c.message.content));
    const short = simulateCompletion('openai', { ...base, max_tokens: 5 }, 1);
    expect(short.choices[0].finish_reason).toBe('length');
    expect(countTokens(short.choices[0].message.content ?? '')).toBeLessThanOrEqual(5);
    const stopped = simulateCompletion('openai', { ...base, stop: ':' }, 1);
    expect(stopped.choices[0].message.content).toBe('Simulated answer from gpt-4o-mini');
  });
});

describe('SimulatedAdapter', () => {
  const options = (): ProviderCallOptions => ({ signal: new AbortController().signal, requestId: 'r' });

  it('refuses what the real provider would refuse', async () => {
    await expect(
      new SimulatedAdapter('anthropic').complete({ ...base, n: 2 }, options()),
    ).rejects.toMatchObject({ code: ErrorCode.UnsupportedParameter, param: 'n' });
    const stream = new SimulatedAdapter('mistral').stream({ ...base, logprobs: true }, options());
    await expect(stream[Symbol.asyncIterator]().next()).rejects.toMatchObject({
      code: ErrorCode.UnsupportedParameter,
      param: 'logprobs',
    });
    await expect(
      new SimulatedAdapter('openai').complete({ ...base, n: 2 }, options()),
    ).resolves.toHaveProperty('choices.length', 2);
  });

  it('stops streaming when the client goes away', async () => {
    const controller = new AbortController();
    const seen: ChatCompletionChunk[] = [];
    let error: ProviderError | undefined;
    try {
      for await (const chunk of new SimulatedAdapter('openai').stream(base, {
        signal: controller.signal,
        requestId: 'r',
      })) {
        seen.push(chunk);
        controller.abort();
      }
    } catch (caught) {
      error = caught as ProviderError;
    }
    expect(seen).toHaveLength(1);
    expect(error?.message).toContain('client disconnected');
  });
});
