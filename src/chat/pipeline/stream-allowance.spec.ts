import type { ChatCompletionChunk } from '../../common/openai/chat.types';
import { chunkOutputText } from './stream-allowance';

const chunk = (choices: ChatCompletionChunk['choices']): ChatCompletionChunk => ({
  id: 'c',
  object: 'chat.completion.chunk',
  created: 0,
  model: 'm',
  choices,
});

describe('chunkOutputText: what a streamed chunk generated (counted against the reservation)', () => {
  it('counts content, refusals, reasoning text and tool calls of every choice', () => {
    const text = chunkOutputText(
      chunk([
        { index: 0, delta: { content: 'Hello', refusal: ' no' }, finish_reason: null },
        {
          index: 1,
          delta: {
            reasoning_content: ' think',
            tool_calls: [{ index: 0, function: { name: 'lookup', arguments: '{"q":1}' } }],
          } as ChatCompletionChunk['choices'][number]['delta'],
          finish_reason: null,
        },
      ]),
    );
    expect(text).toBe('Hello no thinklookup{"q":1}');
  });

  it('is empty for role-only, finish and usage chunks', () => {
    expect(chunkOutputText(chunk([{ index: 0, delta: { role: 'assistant' }, finish_reason: null }]))).toBe(
      '',
    );
    expect(chunkOutputText(chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]))).toBe('');
    expect(chunkOutputText(chunk([]))).toBe('');
  });
});
