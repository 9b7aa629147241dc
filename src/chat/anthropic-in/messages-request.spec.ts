import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GatewayError } from '../../common/errors';
import { toAnthropicRequest } from '../../providers/anthropic/anthropic.request';
import { fromMessagesRequest, type MessagesLimits } from './messages-request';

const LIMITS: MessagesLimits = { chatMaxMessages: 100, chatMaxContentParts: 20, chatMaxTools: 8 };

function inbound<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(join(__dirname, '../../../test/fixtures/anthropic-in', name), 'utf8')) as T;
}

function rejects(body: unknown, param: string): GatewayError {
  let caught: unknown;
  try {
    fromMessagesRequest(body, LIMITS);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(GatewayError);
  const error = caught as GatewayError;
  expect(error.status).toBe(400);
  expect(error.param).toBe(param);
  return error;
}

const minimal = { model: 'gpt-4o-mini', max_tokens: 64, messages: [{ role: 'user', content: 'Hello' }] };

describe('fromMessagesRequest (Anthropic request → internal chat request)', () => {
  it('translates a vision request: system blocks, base64 and url images, sampling, metadata', () => {
    const request = fromMessagesRequest(inbound('request-vision.json'), LIMITS);
    expect(request.model).toBe('claude-sonnet-4-5');
    expect(request.max_tokens).toBe(1024);
    expect(request.messages[0]).toEqual({
      role: 'system',
      content: 'You are a careful art critic.\n\nAnswer in one sentence.',
    });
    expect(request.messages[1].role).toBe('user');
    const parts = request.messages[1].content as Array<Record<string, unknown>>;
    expect(parts[0]).toEqual({
      type: 'image_url',
      image_url: { url: expect.stringMatching(/^data:image\/png;base64,iVBORw0KGgo/) as unknown },
    });
    expect(parts[1]).toEqual({
      type: 'image_url',
      image_url: {
        url: 'https://upload.wikimedia.org/wikipedia/commons/a/a7/Camponotus_flavomarginatus_ant.jpg',
      },
    });
    expect(parts[2]).toEqual({ type: 'text', text: 'Compare these two images.' });
    expect(request).toMatchObject({
      temperature: 0.2,
      top_k: 40,
      stop: ['\n\nHuman:'],
      user: '13803d75-b4b5-4c3e-b2a2-6f21399b021b',
    });
    expect(request.stream).toBeUndefined();
  });

  it('translates tools, tool_choice, tool_use and tool_result (results first, is_error marked)', () => {
    const request = fromMessagesRequest(inbound('request-tools.json'), LIMITS);
    expect(request.tools?.map((tool) => tool.function.name)).toEqual(['get_weather', 'get_time']);
    expect(request.tools?.[0].function.parameters).toMatchObject({ required: ['location'] });
    expect(request.tool_choice).toBe('auto');
    expect(request.parallel_tool_calls).toBe(false);
    const [, assistant, weather, time, user] = request.messages;
    expect(assistant).toEqual({
      role: 'assistant',
      content: "I'll check the weather and the time.",
      tool_calls: [
        {
          id: 'toolu_01A09q90qw90lq917835lq9',
          type: 'function',
          function: { name: 'get_weather', arguments: '{"location":"San Francisco, CA","unit":"celsius"}' },
        },
        {
          id: 'toolu_01B8xq2nZk5wVe7tYqL3mR4p',
          type: 'function',
          function: { name: 'get_time', arguments: '{"timezone":"America/Los_Angeles"}' },
        },
      ],
    });
    expect(weather).toEqual({
      role: 'tool',
      tool_call_id: 'toolu_01A09q90qw90lq917835lq9',
      content: '15 degrees',
    });
    expect(time).toEqual({
      role: 'tool',
      tool_call_id: 'toolu_01B8xq2nZk5wVe7tYqL3mR4p',
      content: [
        { type: 'text', text: 'Error:' },
        { type: 'text', text: 'time service unavailable' },
      ],
    });
    expect(user).toEqual({ role: 'user', content: [{ type: 'text', text: 'Summarize, please.' }] });
  });

  it.each([
    [{ type: 'any' }, 'required'],
    [{ type: 'none' }, 'none'],
    [
      { type: 'tool', name: 'get_weather' },
      { type: 'function', function: { name: 'get_weather' } },
    ],
  ])('maps tool_choice %j', (choice, expected) => {
    const body = { ...inbound('request-tools.json'), tool_choice: choice };
    const request = fromMessagesRequest(body, LIMITS);
    expect(request.tool_choice).toEqual(expected);
    expect(request.parallel_tool_calls).toBeUndefined();
  });

  it('carries thinking and thinking blocks (for Anthropic targets)', () => {
    const request = fromMessagesRequest(inbound('request-thinking.json'), LIMITS);
    expect(request.thinking).toEqual({ type: 'enabled', budget_tokens: 10000 });
    expect(request.messages[1].thinking_blocks).toEqual([
      expect.objectContaining({ type: 'thinking', signature: expect.any(String) as unknown }),
      expect.objectContaining({ type: 'redacted_thinking' }),
    ]);
  });

  it('round-trips through the Anthropic provider translation to the same conversation', () => {
    for (const name of ['request-vision.json', 'request-tools.json', 'request-thinking.json']) {
      const original = inbound<Record<string, unknown>>(name);
      const internal = fromMessagesRequest(original, LIMITS);
      const upstream = toAnthropicRequest({ ...internal, model: internal.model! }, false);
      const strip = (value: unknown) =>
        JSON.parse(
          JSON.stringify(value, (k, v: unknown) => (k === 'cache_control' ? undefined : v)),
        ) as unknown;
      const system = original.system;
      expect(upstream.system).toEqual(
        Array.isArray(system) ? system.map((block: { text: string }) => block.text).join('\n\n') : system,
      );
      const expected = (strip(original.messages) as Array<{ role: string; content: unknown }>).map(
        (message) => ({
          ...message,
          content:
            typeof message.content === 'string' && message.role === 'assistant'
              ? [{ type: 'text', text: message.content }]
              : message.content,
        }),
      );
      // is_error has no OpenAI flag: it travels as an "Error:" text block.
      const upstreamMessages = JSON.parse(
        JSON.stringify(upstream.messages).replace(/\{"type":"text","text":"Error:"\},/g, ''),
      ) as unknown;
      const withoutErrorFlag = JSON.parse(
        JSON.stringify(expected).replace(/"is_error":true,/g, ''),
      ) as unknown;
      expect(upstreamMessages).toEqual(withoutErrorFlag);
      expect(upstream.max_tokens).toBe(original.max_tokens);
      expect(upstream.thinking).toEqual(original.thinking);
      expect(upstream.stop_sequences).toEqual(original.stop_sequences);
      expect(upstream.metadata).toEqual(original.metadata);
      expect(upstream.tools?.map((tool) => tool.name)).toEqual(
        (original.tools as Array<{ name: string }> | undefined)?.map((tool) => tool.name),
      );
    }
  });

  it('asks for usage when streaming', () => {
    const request = fromMessagesRequest({ ...minimal, stream: true }, LIMITS);
    expect(request.stream).toBe(true);
    expect(request.stream_options).toEqual({ include_usage: true });
  });

  it('requires max_tokens (but count_tokens does not)', () => {
    const { max_tokens: _omitted, ...body } = minimal;
    expect(rejects(body, 'max_tokens').message).toBe('max_tokens: Field required');
    expect(fromMessagesRequest(body, LIMITS, { countTokens: true }).messages).toHaveLength(1);
  });

  it.each(
    [
      [null, 'body'],
      [[], 'body'],
      [{ ...minimal, model: 42 }, 'model'],
      [{ ...minimal, model: '' }, 'model'],
      [{ ...minimal, max_tokens: 0 }, 'max_tokens'],
      [{ ...minimal, max_tokens: 1.5 }, 'max_tokens'],
      [{ ...minimal, max_tokens: '100' }, 'max_tokens'],
      [{ ...minimal, messages: [] }, 'messages'],
      [{ ...minimal, messages: 'hi' }, 'messages'],
      [{ ...minimal, messages: [null] }, 'messages.0'],
      [{ ...minimal, messages: [{ role: 'system', content: 'x' }] }, 'messages.0.role'],
      [{ ...minimal, messages: [{ role: 'user', content: [] }] }, 'messages.0.content'],
      [{ ...minimal, messages: [{ role: 'user', content: 7 }] }, 'messages.0.content'],
      [
        { ...minimal, messages: [{ role: 'user', content: [{ type: 'text' }] }] },
        'messages.0.content.0.text',
      ],
      [{ ...minimal, messages: [{ role: 'user', content: [{ text: 'x' }] }] }, 'messages.0.content.0.type'],
      [
        { ...minimal, messages: [{ role: 'user', content: [{ type: 'document', source: {} }] }] },
        'messages.0.content.0.type',
      ],
      [
        {
          ...minimal,
          messages: [
            {
              role: 'user',
              content: [
                { type: 'image', source: { type: 'base64', media_type: 'image/tiff', data: 'AA==' } },
              ],
            },
          ],
        },
        'messages.0.content.0.source.media_type',
      ],
      [
        {
          ...minimal,
          messages: [
            {
              role: 'user',
              content: [
                { type: 'image', source: { type: 'base64', media_type: 'image/png', data: '<script>' } },
              ],
            },
          ],
        },
        'messages.0.content.0.source.data',
      ],
      [
        {
          ...minimal,
          messages: [
            {
              role: 'user',
              content: [{ type: 'image', source: { type: 'url', url: 'file:///etc/passwd' } }],
            },
          ],
        },
        'messages.0.content.0.source.url',
      ],
      [
        {
          ...minimal,
          messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'file', file_id: 'f' } }] }],
        },
        'messages.0.content.0.source.type',
      ],
      [
        { ...minimal, messages: [{ role: 'user', content: [{ type: 'tool_result' }] }] },
        'messages.0.content.0.tool_use_id',
      ],
      [
        {
          ...minimal,
          messages: [{ role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'n', input: [] }] }],
        },
        'messages.0.content.0.input',
      ],
      [
        { ...minimal, messages: [{ role: 'assistant', content: [{ type: 'thinking', thinking: 'x' }] }] },
        'messages.0.content.0.signature',
      ],
      [{ ...minimal, system: [{ type: 'image' }] }, 'system.0.type'],
      [{ ...minimal, system: 5 }, 'system'],
      [{ ...minimal, temperature: 1.5 }, 'temperature'],
      [{ ...minimal, top_p: -1 }, 'top_p'],
      [{ ...minimal, top_k: 0 }, 'top_k'],
      [{ ...minimal, stop_sequences: 'END' }, 'stop_sequences'],
      [{ ...minimal, stop_sequences: [''] }, 'stop_sequences.0'],
      [{ ...minimal, metadata: { user_id: 5 } }, 'metadata.user_id'],
      [{ ...minimal, metadata: { tenant: 'x' } }, 'metadata.tenant'],
      [{ ...minimal, stream: 'yes' }, 'stream'],
      [{ ...minimal, tools: [{ name: 'bad name!', input_schema: {} }] }, 'tools.0.name'],
      [{ ...minimal, tools: [{ name: 'ok' }] }, 'tools.0.input_schema'],
      [{ ...minimal, tools: [{ type: 'web_search_20250305', name: 'web_search' }] }, 'tools.0.type'],
      [{ ...minimal, tool_choice: { type: 'sometimes' } }, 'tool_choice.type'],
      [{ ...minimal, tool_choice: { type: 'tool' } }, 'tool_choice.name'],
      [{ ...minimal, thinking: { type: 'enabled', budget_tokens: 500 } }, 'thinking.budget_tokens'],
      [{ ...minimal, thinking: { type: 'enabled', budget_tokens: 2048 } }, 'thinking.budget_tokens'],
      [{ ...minimal, thinking: { type: 'on' } }, 'thinking.type'],
      [{ ...minimal, frequency_penalty: 1 }, 'frequency_penalty'],
      [
        { ...minimal, messages: Array.from({ length: 101 }, () => ({ role: 'user', content: 'x' })) },
        'messages',
      ],
      [
        { ...minimal, tools: Array.from({ length: 9 }, (_, i) => ({ name: `t${i}`, input_schema: {} })) },
        'tools',
      ],
    ].map(([body, param]) => [param as string, body]),
  )('refuses a bad %s with a 400 naming it', (param, body) => {
    rejects(body, param as string);
  });
});
