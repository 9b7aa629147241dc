import type { ChatCompletion, ChatCompletionChunk } from '../common/openai/chat.types';
import { replayChunks, StreamRecorder } from './stream-cache';

const completion: ChatCompletion = {
  id: 'chatcmpl-a',
  object: 'chat.completion',
  created: 100,
  model: 'gpt-4o-mini',
  choices: [
    {
      index: 0,
      message: {
        role: 'assistant',
        content: 'Paris is the capital of France. '.repeat(5),
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"city":"Paris"}' } },
        ],
      },
      finish_reason: 'tool_calls',
    },
  ],
  usage: { prompt_tokens: 10, completion_tokens: 40, total_tokens: 50 },
};

describe('stream cache', () => {
  it('replays a completion as live-stream chunks that assemble back into it', () => {
    const chunks = replayChunks(completion, { id: 'chatcmpl-new', created: 200, includeUsage: true });
    expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: '' });
    expect(
      chunks.every((chunk) => chunk.object === 'chat.completion.chunk' && chunk.id === 'chatcmpl-new'),
    ).toBe(true);
    const last = chunks[chunks.length - 1];
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual(completion.usage);
    expect(chunks[chunks.length - 2].choices[0].finish_reason).toBe('tool_calls');
    const recorder = new StreamRecorder();
    for (const chunk of chunks) recorder.add(chunk);
    expect(recorder.completion()).toEqual({ ...completion, id: 'chatcmpl-new', created: 200 });
  });

  it('sends no usage chunk unless asked', () => {
    const chunks = replayChunks(completion, { id: 'x', created: 1, includeUsage: false });
    expect(chunks.some((chunk) => chunk.usage)).toBe(false);
    expect(chunks[chunks.length - 1].choices[0].finish_reason).toBe('tool_calls');
  });

  it('stores nothing for a stream that failed, was cut off, or never reported usage', () => {
    const chunks = replayChunks(completion, { id: 'x', created: 1, includeUsage: true });
    const cutOff = new StreamRecorder();
    for (const chunk of chunks.slice(0, 3)) cutOff.add(chunk);
    expect(cutOff.completion()).toBeNull();
    const failed = new StreamRecorder();
    for (const chunk of chunks) failed.add(chunk);
    failed.fail();
    expect(failed.completion()).toBeNull();
    const noUsage = new StreamRecorder();
    for (const chunk of chunks.slice(0, -1)) noUsage.add(chunk);
    expect(noUsage.completion()).toBeNull();
    expect(new StreamRecorder().completion()).toBeNull();
  });

  it('assembles tool-call deltas split across chunks', () => {
    const base = { id: 'c', object: 'chat.completion.chunk' as const, created: 1, model: 'm' };
    const parts: ChatCompletionChunk[] = [
      {
        ...base,
        choices: [
          {
            index: 0,
            delta: {
              role: 'assistant',
              tool_calls: [
                { index: 0, id: 'call_9', type: 'function', function: { name: 'get_', arguments: '' } },
              ],
            },
            finish_reason: null,
          },
        ],
      },
      {
        ...base,
        choices: [
          {
            index: 0,
            delta: { tool_calls: [{ index: 0, function: { name: 'weather', arguments: '{"city":' } }] },
            finish_reason: null,
          },
        ],
      },
      {
        ...base,
        choices: [
          {
            index: 0,
            delta: { tool_calls: [{ index: 0, function: { arguments: '"Oslo"}' } }] },
            finish_reason: 'tool_calls',
          },
        ],
      },
      { ...base, choices: [], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } },
    ];
    const recorder = new StreamRecorder();
    for (const part of parts) recorder.add(part);
    expect(recorder.completion()!.choices[0].message.tool_calls).toEqual([
      { id: 'call_9', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
    ]);
  });
});
