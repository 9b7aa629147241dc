import type { ChatCompletionRequest, ChatMessage } from '../../common/openai/chat.types';
import { semanticKey } from './semantic-key';

const ask = (text: string, extra: Partial<ChatCompletionRequest> = {}, history: ChatMessage[] = []) => ({
  messages: [
    { role: 'system', content: 'You are terse.' } as ChatMessage,
    ...history,
    { role: 'user', content: text } as ChatMessage,
  ],
  temperature: 0,
  ...extra,
});

describe('semanticKey', () => {
  it('puts only the last user turn in the query; the same context for the same everything else', () => {
    const a = semanticKey('t1', 'gpt-4o-mini', ask('What is the capital of France?'))!;
    const b = semanticKey('t1', 'gpt-4o-mini', ask('capital of France?', { stream: true, user: 'x' }))!;
    expect(a.query).toBe('What is the capital of France?');
    expect(b.context).toBe(a.context);
  });

  it.each<[string, (text: string) => [string, string, ChatCompletionRequest]]>([
    ['namespace', (t) => ['t2', 'gpt-4o-mini', ask(t)]],
    ['model', (t) => ['t1', 'gpt-4o', ask(t)]],
    [
      'system prompt',
      (t) => [
        't1',
        'gpt-4o-mini',
        {
          ...ask(t),
          messages: [
            { role: 'system', content: 'Be verbose.' },
            { role: 'user', content: t },
          ],
        },
      ],
    ],
    ['temperature', (t) => ['t1', 'gpt-4o-mini', ask(t, { temperature: 0.5 })]],
    ['max_tokens', (t) => ['t1', 'gpt-4o-mini', ask(t, { max_tokens: 5 })]],
    ['seed', (t) => ['t1', 'gpt-4o-mini', ask(t, { seed: 7 })]],
    [
      'tools',
      (t) => ['t1', 'gpt-4o-mini', ask(t, { tools: [{ type: 'function', function: { name: 'f' } }] })],
    ],
    ['response_format', (t) => ['t1', 'gpt-4o-mini', ask(t, { response_format: { type: 'json_object' } })]],
    [
      'earlier turns',
      (t) => [
        't1',
        'gpt-4o-mini',
        ask(t, {}, [
          { role: 'user', content: 'hi' },
          { role: 'assistant', content: 'hello' },
        ]),
      ],
    ],
    [
      'last turn name',
      (t) => [
        't1',
        'gpt-4o-mini',
        {
          ...ask(t),
          messages: [
            { role: 'system', content: 'You are terse.' },
            { role: 'user', content: t, name: 'bob' },
          ],
        },
      ],
    ],
  ])('a different %s is a different context', (_what, variant) => {
    const text = 'What is the capital of France?';
    const base = semanticKey('t1', 'gpt-4o-mini', ask(text))!;
    const [namespace, model, request] = variant(text);
    expect(semanticKey(namespace, model, request)!.context).not.toBe(base.context);
  });

  it('20 turns of context: one changed earlier turn anywhere changes the context', () => {
    const history: ChatMessage[] = [];
    for (let i = 0; i < 20; i++) history.push({ role: i % 2 ? 'assistant' : 'user', content: `turn ${i}` });
    const base = semanticKey('t1', 'm', ask('and then?', {}, history))!;
    for (let i = 0; i < 20; i++) {
      const changed = history.map((m, j) => (j === i ? { ...m, content: `${m.content as string}!` } : m));
      expect(semanticKey('t1', 'm', ask('and then?', {}, changed))!.context).not.toBe(base.context);
    }
  });

  it('is null when the last message is not a plain-text user turn', () => {
    expect(semanticKey('t', 'm', { messages: [{ role: 'assistant', content: 'x' }] })).toBeNull();
    expect(
      semanticKey('t', 'm', {
        messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:' } }] }],
      }),
    ).toBeNull();
    expect(semanticKey('t', 'm', { messages: [{ role: 'user', content: '  ' }] })).toBeNull();
    expect(
      semanticKey('t', 'm', { messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] })!.query,
    ).toBe('hi');
  });
});
