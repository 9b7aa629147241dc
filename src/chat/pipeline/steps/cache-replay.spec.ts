import type { ChatCompletion } from '../../../common/openai/chat.types';
import type { ChatCall } from '../chat-call';
import { replay } from './cache-lookup.step';

const completion: ChatCompletion = {
  id: 'chatcmpl-cached',
  object: 'chat.completion',
  created: 1,
  model: 'gpt-4o-mini',
  choices: [{ index: 0, message: { role: 'assistant', content: 'The sea is wide.' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 },
} as ChatCompletion;
const call = { context: { requestId: 'req-1' } } as unknown as ChatCall;

/** A record() whose write completes when the test says so, counting its calls. */
function gatedRecord() {
  let release: () => void = () => undefined;
  const written = new Promise<void>((resolve) => (release = resolve));
  const state = { calls: 0, release, record: () => (state.calls++, written) };
  return state;
}

describe('replay of a cached answer as a stream', () => {
  it('sends the first chunk before recording the hit, and ends only once the row is written', async () => {
    const gate = gatedRecord();
    const chunks = replay(call, completion, gate.record);
    const first = await chunks.next();
    expect(first.value.choices[0].delta.role).toBe('assistant');
    expect(gate.calls).toBe(0); // nothing recorded before the first chunk is out
    const rest: unknown[] = [];
    const draining = (async () => {
      for (let next = await chunks.next(); !next.done; next = await chunks.next()) rest.push(next.value);
    })();
    await new Promise((resolve) => setImmediate(resolve));
    expect(gate.calls).toBeGreaterThan(0);
    // The usage chunk (no choices) waits for the row.
    expect(rest.some((chunk) => (chunk as { choices: unknown[] }).choices.length === 0)).toBe(false);
    gate.release();
    await draining;
    expect((rest[rest.length - 1] as { usage: unknown }).usage).toEqual(completion.usage);
  });

  it('records the hit when the client goes away after the first chunk', async () => {
    const gate = gatedRecord();
    const chunks = replay(call, completion, gate.record);
    await chunks.next();
    await chunks.return(undefined);
    expect(gate.calls).toBe(1);
  });
});
