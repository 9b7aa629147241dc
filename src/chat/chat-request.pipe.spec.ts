import { GatewayError } from '../common/errors';
import { loadAppConfig } from '../config/app-config';
import { ChatRequestPipe } from './chat-request.pipe';

describe('ChatRequestPipe', () => {
  const pipe = new ChatRequestPipe(
    loadAppConfig({ CHAT_MAX_MESSAGES: '50', CHAT_MAX_CONTENT_PARTS: '4', CHAT_MAX_TOOLS: '3' }),
  );

  function rejection(body: unknown): GatewayError {
    try {
      pipe.transform(body);
    } catch (error) {
      return error as GatewayError;
    }
    throw new Error('expected a validation error');
  }

  it('accepts a minimal request and keeps unknown fields', () => {
    const body = {
      messages: [{ role: 'user', content: 'hi' }],
      metadata: { team: 'x' },
      service_tier: 'auto',
    };
    expect(pipe.transform(body)).toBe(body);
  });

  it('accepts multi-part content with images, tools and tool results', () => {
    const body = {
      model: 'auto',
      messages: [
        { role: 'system', content: 'be brief' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'what is this?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          ],
        },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{}' } }],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '{"ok":true}' },
      ],
      tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }],
      tool_choice: { type: 'function', function: { name: 'lookup' } },
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object' } } },
      stop: ['\n\n'],
    };
    expect(pipe.transform(body)).toBe(body);
  });

  it.each([
    [{}, 'messages'],
    [{ messages: [] }, 'messages'],
    [{ messages: 'hi' }, 'messages'],
    [{ messages: [{ role: 'wizard', content: 'hi' }] }, 'messages[0].role'],
    [{ messages: [{ role: 'user', content: 42 }] }, 'messages[0].content'],
    [{ messages: [{ role: 'user' }] }, 'messages[0].content'],
    [
      { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'ftp://x' } }] }] },
      'messages[0].content',
    ],
    [{ messages: [{ role: 'tool', content: 'x' }] }, 'messages[0].tool_call_id'],
    [{ messages: [{ role: 'user', content: 'hi' }], temperature: 3 }, 'temperature'],
    [{ messages: [{ role: 'user', content: 'hi' }], max_tokens: 0 }, 'max_tokens'],
    [{ messages: [{ role: 'user', content: 'hi' }], stream: 'yes' }, 'stream'],
    [{ messages: [{ role: 'user', content: 'hi' }], stop: ['a', 'b', 'c', 'd', 'e'] }, 'stop'],
    [{ messages: [{ role: 'user', content: 'hi' }], tool_choice: 'sometimes' }, 'tool_choice'],
    [
      {
        messages: [{ role: 'user', content: 'hi' }],
        tools: [{ type: 'function', function: { name: 'bad name' } }],
      },
      'tools[0].function.name',
    ],
    [
      { messages: [{ role: 'user', content: 'hi' }], response_format: { type: 'xml' } },
      'response_format.type',
    ],
  ])('rejects %j naming param %s', (body, param) => {
    const error = rejection(body);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error.status).toBe(400);
    expect(error.param).toBe(param);
    expect(error.message).toContain(param);
  });

  const hi = [{ role: 'user', content: 'hi' }];
  const tool = (name: string) => ({ type: 'function', function: { name } });
  it.each([
    // Required nested objects: these passed validation and then failed in an adapter (500).
    [{ messages: hi, tools: [{ type: 'function' }] }, 'tools[0].function'],
    [{ messages: hi, tools: [{ type: 'function', function: 'f' }] }, 'tools[0].function'],
    [
      { messages: [{ role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function' }] }] },
      'messages[0].tool_calls[0].function',
    ],
    [{ messages: hi, response_format: { type: 'json_schema' } }, 'response_format.json_schema'],
    [{ messages: hi, response_format: 'json' }, 'response_format'],
    [{ messages: hi, stream_options: 'yes' }, 'stream_options'],
    [{ messages: hi, seed: 1e300 }, 'seed'],
    [{ messages: [{ role: 'user', content: 'hi', name: 'x'.repeat(300) }] }, 'messages[0].name'],
    // Configured size limits.
    [{ messages: Array.from({ length: 51 }, () => hi[0]) }, 'messages'],
    [
      { messages: [{ role: 'user', content: Array(5).fill({ type: 'text', text: 'x' }) }] },
      'messages[0].content',
    ],
    [{ messages: hi, tools: [tool('a'), tool('b'), tool('c'), tool('d')] }, 'tools'],
    [
      {
        messages: [
          {
            role: 'assistant',
            content: null,
            tool_calls: Array(4).fill({
              id: 'c',
              type: 'function',
              function: { name: 'f', arguments: '{}' },
            }),
          },
        ],
      },
      'messages[0].tool_calls',
    ],
  ])('rejects %j naming param %s (400, never a 5xx downstream)', (body, param) => {
    const error = rejection(body);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error.status).toBe(400);
    expect(error.param).toBe(param);
  });

  it('names the limit variable when a size limit is crossed', () => {
    expect(rejection({ messages: Array.from({ length: 51 }, () => hi[0]) }).message).toContain(
      'CHAT_MAX_MESSAGES',
    );
  });

  it('never copies or walks unknown fields: a 100k-key body validates in one pass over known fields', () => {
    const extra: Record<string, number> = {};
    for (let i = 0; i < 100_000; i++) extra[`k${i}`] = i;
    const body = { messages: hi, ...extra, metadata: { deep: extra } };
    const getter = jest.fn(() => 1);
    Object.defineProperty(body, 'watched', { get: getter, enumerable: true });
    expect(pipe.transform(body)).toBe(body);
    expect(getter).not.toHaveBeenCalled(); // unknown fields are never read
  });

  it('ignores inherited and prototype-polluting keys', () => {
    const body = JSON.parse('{"messages":[{"role":"user","content":"hi"}],"__proto__":{"polluted":1}}');
    expect(pipe.transform(body)).toBe(body);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('rejects a body that is not an object', () => {
    expect(rejection([1, 2]).status).toBe(400);
    expect(rejection('text').status).toBe(400);
  });
});
