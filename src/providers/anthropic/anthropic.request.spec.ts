import { ErrorCode } from '../../common/errors';
import type { ProviderError, ProviderRequest } from '../provider.types';
import { defaultAnthropicMaxTokens, JSON_RESPONSE_TOOL, toAnthropicRequest } from './anthropic.request';

const base: ProviderRequest = {
  model: 'claude-3-5-haiku-latest',
  messages: [{ role: 'user', content: 'Hi' }],
};
const weather = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Weather',
    parameters: { type: 'object', properties: { city: { type: 'string' } } },
  },
};

function thrown(fn: () => unknown): ProviderError {
  try {
    fn();
  } catch (error) {
    return error as ProviderError;
  }
  throw new Error('expected a throw');
}

describe('toAnthropicRequest', () => {
  it('hoists system and developer messages into the top-level system', () => {
    const body = toAnthropicRequest(
      {
        ...base,
        messages: [
          { role: 'system', content: 'You are terse.' },
          { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
          { role: 'user', content: 'Hi' },
        ],
      },
      false,
    );
    expect(body.system).toBe('You are terse.\n\nAnswer in French.');
    expect(body.messages).toEqual([{ role: 'user', content: 'Hi' }]);
  });

  it('fills max_tokens: client value, then the catalog hint, then a family default', () => {
    expect(
      toAnthropicRequest({ ...base, max_completion_tokens: 300, max_tokens: 100 }, false).max_tokens,
    ).toBe(300);
    expect(toAnthropicRequest({ ...base, max_tokens: 100 }, false).max_tokens).toBe(100);
    expect(toAnthropicRequest(base, false, { maxOutputTokens: 64000 }).max_tokens).toBe(64000);
    expect(defaultAnthropicMaxTokens('claude-3-5-haiku-latest')).toBe(8192);
    expect(defaultAnthropicMaxTokens('claude-3-haiku-20240307')).toBe(4096);
    expect(defaultAnthropicMaxTokens('claude-sonnet-4-5')).toBe(8192);
  });

  it('translates sampling parameters, stop and user; drops seed', () => {
    const body = toAnthropicRequest(
      { ...base, temperature: 0.2, top_p: 0.9, top_k: 40, stop: 'END', user: 'user-7', seed: 3 },
      true,
    );
    expect(body).toMatchObject({
      temperature: 0.2,
      top_p: 0.9,
      top_k: 40,
      stop_sequences: ['END'],
      metadata: { user_id: 'user-7' },
      stream: true,
    });
    expect(body).not.toHaveProperty('seed');
    expect(toAnthropicRequest({ ...base, stop: ['a', 'b'] }, false).stop_sequences).toEqual(['a', 'b']);
  });

  it.each([
    ['n', { n: 2 }],
    ['presence_penalty', { presence_penalty: 0.5 }],
    ['frequency_penalty', { frequency_penalty: -1 }],
    ['logprobs', { logprobs: true }],
    ['top_logprobs', { top_logprobs: 2 }],
    ['logit_bias', { logit_bias: { '1': 5 } }],
    ['temperature', { temperature: 1.5 }],
    ['modalities', { modalities: ['text', 'audio'] }],
    ['functions', { functions: [{ name: 'f' }] }],
  ])('rejects %s with a 400 naming it (never clamped)', (param, extra) => {
    const error = thrown(() => toAnthropicRequest({ ...base, ...extra }, false));
    expect([error.code, error.status, error.param]).toEqual([ErrorCode.UnsupportedParameter, 400, param]);
    expect(error.message).toContain('anthropic');
  });

  it('accepts neutral values of unsupported parameters', () => {
    expect(() =>
      toAnthropicRequest(
        { ...base, n: 1, presence_penalty: 0, frequency_penalty: null, logprobs: false, logit_bias: {} },
        false,
      ),
    ).not.toThrow();
  });

  it('turns image_url parts into image blocks (https and base64 data URLs)', () => {
    const body = toAnthropicRequest(
      {
        ...base,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Compare these.' },
              { type: 'image_url', image_url: { url: 'https://example.com/cat.png', detail: 'high' } },
              { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQSkZJRg==' } },
            ],
          },
        ],
      },
      false,
    );
    expect(body.messages[0].content).toEqual([
      { type: 'text', text: 'Compare these.' },
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.png' } },
      { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: '/9j/4AAQSkZJRg==' } },
    ]);
    const bad = thrown(() =>
      toAnthropicRequest(
        {
          ...base,
          messages: [
            {
              role: 'user',
              content: [{ type: 'image_url', image_url: { url: 'data:image/bmp;base64,AA==' } }],
            },
          ],
        },
        false,
      ),
    );
    expect([bad.code, bad.param]).toEqual([
      ErrorCode.UnsupportedParameter,
      'messages[0].content[0].image_url',
    ]);
    const audio = thrown(() =>
      toAnthropicRequest(
        { ...base, messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: {} }] }] },
        false,
      ),
    );
    expect(audio.param).toBe('messages[0].content[0]');
  });

  it('translates a parallel tool-call round trip into tool_use and merged tool_result blocks', () => {
    const body = toAnthropicRequest(
      {
        ...base,
        tools: [weather],
        messages: [
          { role: 'user', content: 'Weather in Paris and Rome?' },
          {
            role: 'assistant',
            content: 'Checking.',
            tool_calls: [
              {
                id: 'call_1',
                type: 'function',
                function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
              },
              {
                id: 'call_2',
                type: 'function',
                function: { name: 'get_weather', arguments: '{"city":"Rome"}' },
              },
            ],
          },
          { role: 'tool', tool_call_id: 'call_1', content: '18°C' },
          { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: '24°C' }] },
          { role: 'user', content: 'Thanks, and?' },
        ],
      },
      false,
    );
    expect(body.messages).toEqual([
      { role: 'user', content: 'Weather in Paris and Rome?' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'call_2', name: 'get_weather', input: { city: 'Rome' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_1', content: '18°C' },
          { type: 'tool_result', tool_use_id: 'call_2', content: [{ type: 'text', text: '24°C' }] },
          { type: 'text', text: 'Thanks, and?' },
        ],
      },
    ]);
    expect(body.tools).toEqual([
      { name: 'get_weather', description: 'Weather', input_schema: weather.function.parameters },
    ]);
    expect(body.tool_choice).toBeUndefined();
  });

  it('rejects tool-call arguments that are not JSON', () => {
    const error = thrown(() =>
      toAnthropicRequest(
        {
          ...base,
          messages: [
            {
              role: 'assistant',
              content: null,
              tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{oops' } }],
            },
          ],
        },
        false,
      ),
    );
    expect([error.code, error.param]).toEqual([
      ErrorCode.InvalidRequest,
      'messages[0].tool_calls[0].function.arguments',
    ]);
  });

  it.each([
    ['auto', { type: 'auto' }],
    ['required', { type: 'any' }],
    ['none', { type: 'none' }],
    [
      { type: 'function', function: { name: 'get_weather' } },
      { type: 'tool', name: 'get_weather' },
    ],
  ] as const)('maps tool_choice %j', (choice, expected) => {
    expect(toAnthropicRequest({ ...base, tools: [weather], tool_choice: choice }, false).tool_choice).toEqual(
      expected,
    );
  });

  it('maps parallel_tool_calls: false to disable_parallel_tool_use', () => {
    expect(
      toAnthropicRequest(
        { ...base, tools: [weather], tool_choice: 'required', parallel_tool_calls: false },
        false,
      ).tool_choice,
    ).toEqual({
      type: 'any',
      disable_parallel_tool_use: true,
    });
    expect(
      toAnthropicRequest({ ...base, tools: [weather], parallel_tool_calls: false }, false).tool_choice,
    ).toEqual({ type: 'auto', disable_parallel_tool_use: true });
  });

  it('serves json_object by forcing the JSON response tool', () => {
    const body = toAnthropicRequest({ ...base, response_format: { type: 'json_object' } }, false);
    expect(body.tools).toEqual([
      expect.objectContaining({ name: JSON_RESPONSE_TOOL, input_schema: { type: 'object' } }),
    ]);
    expect(body.tool_choice).toEqual({
      type: 'tool',
      name: JSON_RESPONSE_TOOL,
      disable_parallel_tool_use: true,
    });
  });

  it('serves json_schema with the schema as the tool input schema, beside client tools', () => {
    const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] };
    const body = toAnthropicRequest(
      {
        ...base,
        tools: [weather],
        response_format: { type: 'json_schema', json_schema: { name: 'a', schema } },
      },
      false,
    );
    expect(body.tools?.map((t) => t.name)).toEqual(['get_weather', JSON_RESPONSE_TOOL]);
    expect(body.tools?.[1].input_schema).toEqual(schema);
    expect(body.tool_choice).toEqual({ type: 'any' });
    const notObject = thrown(() =>
      toAnthropicRequest(
        {
          ...base,
          response_format: { type: 'json_schema', json_schema: { name: 'a', schema: { type: 'array' } } },
        },
        false,
      ),
    );
    expect(notObject.param).toBe('response_format.json_schema.schema');
  });

  it('refuses a client tool named like the reserved JSON tool', () => {
    const clash = { type: 'function' as const, function: { name: JSON_RESPONSE_TOOL } };
    expect(thrown(() => toAnthropicRequest({ ...base, tools: [clash] }, false)).param).toBe(
      'tools[0].function.name',
    );
  });
});
