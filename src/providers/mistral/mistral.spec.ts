import { ErrorCode } from '../../common/errors';
import type { ChatCompletionChunk, ChatMessage } from '../../common/openai/chat.types';
import { fixtureEvents, fixtureJson } from '../../../test/fixtures/providers/load';
import { toOpenAICompatibleRequest } from '../openai-compatible/openai-compatible.request';
import { fromOpenAICompatibleResponse } from '../openai-compatible/openai-compatible.response';
import { OpenAICompatibleStreamTranslator } from '../openai-compatible/openai-compatible.stream';
import type { ProviderError, ProviderRequest } from '../provider.types';
import { MISTRAL_DIALECT } from './mistral.adapter';
import { readMistralError } from './mistral.errors';
import { toMistralMessages, toMistralToolCallId } from './mistral.request';

const base: ProviderRequest = {
  model: 'mistral-small-latest',
  messages: [{ role: 'user', content: 'Bonjour' }],
};

function thrown(fn: () => unknown): ProviderError {
  try {
    fn();
  } catch (error) {
    return error as ProviderError;
  }
  throw new Error('expected a throw');
}

describe('Mistral request translation', () => {
  it('renames seed and max_completion_tokens, which wins over max_tokens', () => {
    const body = toOpenAICompatibleRequest(
      { ...base, seed: 42, max_completion_tokens: 100, max_tokens: 50 },
      MISTRAL_DIALECT,
      false,
    );
    expect(body.random_seed).toBe(42);
    expect(body.max_tokens).toBe(100);
    expect(body).not.toHaveProperty('seed');
    expect(body).not.toHaveProperty('max_completion_tokens');
  });

  it('maps tool_choice "required" to "any" and keeps function choices', () => {
    expect(
      toOpenAICompatibleRequest({ ...base, tool_choice: 'required' }, MISTRAL_DIALECT, false).tool_choice,
    ).toBe('any');
    const named = { type: 'function' as const, function: { name: 'f' } };
    expect(
      toOpenAICompatibleRequest({ ...base, tool_choice: named }, MISTRAL_DIALECT, false).tool_choice,
    ).toEqual(named);
  });

  it('drops documented parameters and unknown extensions, never sends stream_options', () => {
    const body = toOpenAICompatibleRequest(
      {
        ...base,
        user: 'u',
        store: true,
        service_tier: 'auto',
        top_k: 5,
        some_vendor_flag: true,
        stream_options: { include_usage: true },
      },
      MISTRAL_DIALECT,
      true,
    );
    expect(Object.keys(body).sort()).toEqual(['messages', 'model', 'stream']);
  });

  it('forwards what Mistral supports, its own parameters included', () => {
    const request: ProviderRequest = {
      ...base,
      temperature: 0.3,
      top_p: 0.9,
      n: 2,
      stop: ['\n'],
      presence_penalty: 0.1,
      frequency_penalty: 0.2,
      parallel_tool_calls: false,
      response_format: { type: 'json_object' },
      safe_prompt: true,
      prompt_mode: 'reasoning',
    };
    const body = toOpenAICompatibleRequest(request, MISTRAL_DIALECT, false);
    for (const key of [
      'temperature',
      'top_p',
      'n',
      'stop',
      'presence_penalty',
      'frequency_penalty',
      'parallel_tool_calls',
      'response_format',
      'safe_prompt',
      'prompt_mode',
    ]) {
      expect(body[key]).toEqual(request[key]);
    }
  });

  it('rejects what Mistral cannot do with a 400 naming the parameter; neutral values pass', () => {
    const error = thrown(() =>
      toOpenAICompatibleRequest({ ...base, logprobs: true }, MISTRAL_DIALECT, false),
    );
    expect([error.code, error.status, error.param]).toEqual([
      ErrorCode.UnsupportedParameter,
      400,
      'logprobs',
    ]);
    expect(error.message).toContain('mistral');
    expect(
      thrown(() =>
        toOpenAICompatibleRequest({ ...base, logit_bias: { '50256': -100 } }, MISTRAL_DIALECT, false),
      ).param,
    ).toBe('logit_bias');
    expect(
      thrown(() =>
        toOpenAICompatibleRequest({ ...base, modalities: ['text', 'audio'] }, MISTRAL_DIALECT, false),
      ).param,
    ).toBe('modalities');
    expect(() =>
      toOpenAICompatibleRequest(
        { ...base, logprobs: false, logit_bias: {}, modalities: ['text'] },
        MISTRAL_DIALECT,
        false,
      ),
    ).not.toThrow();
  });

  it('rewrites messages to the fields Mistral accepts per role', () => {
    const messages: ChatMessage[] = [
      { role: 'developer', content: 'Be brief.' },
      { role: 'user', content: 'Weather?', name: 'alice' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_abc123', type: 'function', function: { name: 'weather', arguments: '{}' } }],
        refusal: null,
      },
      { role: 'tool', content: 'sunny', tool_call_id: 'call_abc123', name: 'weather' },
    ];
    const out = toMistralMessages(messages) as Array<Record<string, unknown>>;
    expect(out[0]).toEqual({ role: 'system', content: 'Be brief.' });
    expect(out[1]).toEqual({ role: 'user', content: 'Weather?' });
    const id = toMistralToolCallId('call_abc123');
    expect(id).toMatch(/^[a-zA-Z0-9]{9}$/);
    expect(out[2]).toEqual({
      role: 'assistant',
      content: null,
      tool_calls: [{ id, type: 'function', function: { name: 'weather', arguments: '{}' } }],
    });
    expect(out[3]).toEqual({ role: 'tool', content: 'sunny', tool_call_id: id, name: 'weather' });
  });

  it('keeps valid Mistral tool-call ids and maps others deterministically', () => {
    expect(toMistralToolCallId('D681PevKs')).toBe('D681PevKs');
    expect(toMistralToolCallId('toolu_01A09q90qw90lq917835lq9')).toBe(
      toMistralToolCallId('toolu_01A09q90qw90lq917835lq9'),
    );
    expect(toMistralToolCallId('call_a')).not.toBe(toMistralToolCallId('call_b'));
  });
});

describe('Mistral response translation', () => {
  it('reads a recorded completion and tool calls', () => {
    const text = fromOpenAICompatibleResponse(
      fixtureJson('mistral/chat-completion.json'),
      MISTRAL_DIALECT,
      'm',
      1,
    );
    expect(text.choices[0].message.content).toBe('The best French cheese depends on personal taste.');
    expect(text.usage).toEqual({ prompt_tokens: 16, completion_tokens: 34, total_tokens: 50 });
    const tools = fromOpenAICompatibleResponse(
      fixtureJson('mistral/chat-completion-tool-calls.json'),
      MISTRAL_DIALECT,
      'm',
      1,
    );
    expect(tools.choices[0].message.tool_calls?.map((c) => c.function.name)).toEqual([
      'retrieve_payment_status',
      'retrieve_payment_date',
    ]);
    expect(tools.choices[0].finish_reason).toBe('tool_calls');
  });

  it('keeps only the text of content chunks and maps model_length to length', () => {
    const completion = fromOpenAICompatibleResponse(
      fixtureJson('mistral/chat-completion-thinking.json'),
      MISTRAL_DIALECT,
      'm',
      1,
    );
    expect(completion.choices[0].message.content).toBe('2 + 2 = 4.');
    expect(completion.choices[0].finish_reason).toBe('length');
  });

  it('raises finish_reason "error" as a retryable provider error', () => {
    const body = fixtureJson<{ choices: Array<{ finish_reason: string }> }>('mistral/chat-completion.json');
    body.choices[0].finish_reason = 'error';
    const error = thrown(() => fromOpenAICompatibleResponse(body, MISTRAL_DIALECT, 'm', 1));
    expect([error.code, error.retryable]).toEqual([ErrorCode.ProviderUnavailable, true]);
  });
});

describe('Mistral stream translation', () => {
  function run(path: string): ChatCompletionChunk[] {
    const translator = new OpenAICompatibleStreamTranslator(MISTRAL_DIALECT, base, 1);
    const chunks = fixtureEvents(path)
      .map((e) => translator.onEvent(e))
      .filter((c): c is ChatCompletionChunk => c !== null);
    return [...chunks, translator.finish()];
  }

  it('moves usage from the last content chunk to a final usage chunk', () => {
    const chunks = run('mistral/stream-text.sse');
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Bonjour !');
    expect(chunks[chunks.length - 2].choices[0].finish_reason).toBe('stop');
    expect(chunks[chunks.length - 2].usage).toBeUndefined();
    expect(chunks[chunks.length - 1]).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 10, completion_tokens: 4, total_tokens: 14 },
    });
  });

  it('passes whole tool calls sent in one delta', () => {
    const chunks = run('mistral/stream-tool-calls.sse');
    expect(chunks[1].choices[0].delta.tool_calls?.[0]).toMatchObject({
      id: 'D681PevKs',
      index: 0,
      function: { name: 'retrieve_payment_status' },
    });
    expect(chunks[1].choices[0].finish_reason).toBe('tool_calls');
    expect(chunks[chunks.length - 1].usage?.total_tokens).toBe(153);
  });
});

describe('readMistralError', () => {
  it('reads each of Mistral error shapes', () => {
    expect(readMistralError(fixtureJson('mistral/error-422.json'), 422).message).toBe(
      'stream_options: Extra inputs are not permitted',
    );
    expect(readMistralError(fixtureJson('mistral/error-400-tool-id.json'), 400)).toMatchObject({
      message: expect.stringContaining('Tool call id was call_abc123') as unknown as string,
      code: '3280',
    });
    expect(readMistralError(fixtureJson('mistral/error-401.json'), 401).message).toBe('Unauthorized');
    expect(readMistralError({ detail: 'Unauthorized' }, 401).message).toBe('Unauthorized');
  });
});
