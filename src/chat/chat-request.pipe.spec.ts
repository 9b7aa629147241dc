import { GatewayError } from '../common/errors';
import { ChatRequestPipe } from './chat-request.pipe';

describe('ChatRequestPipe', () => {
  const pipe = new ChatRequestPipe();

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

  it('rejects a body that is not an object', () => {
    expect(rejection([1, 2]).status).toBe(400);
    expect(rejection('text').status).toBe(400);
  });
});
