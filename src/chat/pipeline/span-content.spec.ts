import { inputMessagesJson, outputMessagesJson, TRUNCATED } from './span-content';

describe('span content (opt-in GenAI content capture)', () => {
  it('maps messages to the spec shape, redacting every PII kind', () => {
    const json = inputMessagesJson(
      {
        messages: [
          { role: 'user', content: 'Call +1 415 555 0100 or mail a.b@example.org' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: 'c1', type: 'function', function: { name: 'f', arguments: '{"ip":"10.1.2.3"}' } },
            ],
          },
          { role: 'tool', tool_call_id: 'c1', content: 'done' },
          {
            role: 'user',
            content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }],
          },
        ],
      },
      1_000,
    );
    expect(JSON.parse(json)).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'Call [PHONE] or mail [EMAIL]' }] },
      {
        role: 'assistant',
        parts: [{ type: 'tool_call', id: 'c1', name: 'f', arguments: '{"ip":"[IPV4]"}' }],
      },
      { role: 'tool', parts: [{ type: 'tool_call_response', id: 'c1', response: 'done' }] },
      { role: 'user', parts: [{ type: 'image_url' }] },
    ]);
    expect(json).not.toContain('base64');
  });

  it('bounds the content: cut at the limit, later messages dropped, PII across the cut still redacted', () => {
    const json = inputMessagesJson(
      {
        messages: [
          { role: 'user', content: `${'x'.repeat(95)} jane@example.com and more` },
          { role: 'user', content: 'never shown' },
        ],
      },
      100,
    );
    const messages = JSON.parse(json);
    expect(messages[0].parts[0].content).toBe(`${'x'.repeat(95)} [EMA${TRUNCATED}`);
    expect(messages[1]).toEqual({ role: 'system', parts: [{ type: 'text', content: TRUNCATED }] });
    expect(json).not.toContain('jane');
    expect(json).not.toContain('never shown');
  });

  it('output messages: text and tool calls, redacted and bounded', () => {
    const json = outputMessagesJson(
      [
        {
          content: 'mail me: x@y.io',
          toolCalls: [{ id: 't', name: 'n', arguments: '{}' }],
          finishReason: 'stop',
        },
      ],
      50,
    );
    expect(JSON.parse(json)).toEqual([
      {
        role: 'assistant',
        parts: [
          { type: 'text', content: 'mail me: [EMAIL]' },
          { type: 'tool_call', id: 't', name: 'n', arguments: '{}' },
        ],
        finish_reason: 'stop',
      },
    ]);
  });
});
