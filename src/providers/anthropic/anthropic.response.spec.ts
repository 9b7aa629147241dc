import { ErrorCode } from '../../common/errors';
import type { ChatCompletionChunk } from '../../common/openai/chat.types';
import { fixtureEvents, fixtureJson } from '../../../test/fixtures/providers/load';
import type { ProviderError } from '../provider.types';
import { readAnthropicError } from './anthropic.errors';
import { fromAnthropicResponse, toFinishReason, toOpenAIUsage } from './anthropic.response';
import { AnthropicStreamTranslator } from './anthropic.stream';

function translate(path: string): ChatCompletionChunk[] {
  const translator = new AnthropicStreamTranslator('claude', 1);
  const chunks = fixtureEvents(path)
    .map((e) => translator.onEvent(e))
    .filter((c): c is ChatCompletionChunk => c !== null);
  chunks.push(translator.finish());
  return chunks;
}

describe('fromAnthropicResponse', () => {
  it('translates a text message with cache usage', () => {
    const completion = fromAnthropicResponse(fixtureJson('anthropic/message.json'), 1700000000);
    expect(completion).toMatchObject({
      id: 'msg_013Zva2CMHLNnXjNJJKqJ2EF',
      object: 'chat.completion',
      created: 1700000000,
      model: 'claude-3-5-haiku-20241022',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Hi! My name is Claude.' },
          finish_reason: 'stop',
        },
      ],
    });
    // OpenAI's prompt_tokens include cached tokens; Anthropic's input_tokens do not.
    expect(completion.usage).toEqual({
      prompt_tokens: 21 + 188 + 1800,
      completion_tokens: 12,
      total_tokens: 21 + 188 + 1800 + 12,
      prompt_tokens_details: { cached_tokens: 1800, cache_creation_tokens: 188 },
    });
  });

  it('translates parallel tool_use blocks into tool_calls', () => {
    const completion = fromAnthropicResponse(fixtureJson('anthropic/message-tool-use.json'), 1);
    const message = completion.choices[0].message;
    expect(message.content).toBe("I'll check the weather in both cities.");
    expect(message.tool_calls).toEqual([
      {
        id: 'toolu_01A09q90qw90lq917835lq9',
        type: 'function',
        function: { name: 'get_weather', arguments: '{"location":"San Francisco, CA","unit":"celsius"}' },
      },
      {
        id: 'toolu_01B8xq2nZk5wVe7tYqL3mR4p',
        type: 'function',
        function: { name: 'get_weather', arguments: '{"location":"New York, NY","unit":"celsius"}' },
      },
    ]);
    expect(completion.choices[0].finish_reason).toBe('tool_calls');
  });

  it('turns the JSON-mode tool call back into JSON text with finish_reason stop', () => {
    const completion = fromAnthropicResponse(fixtureJson('anthropic/message-json-mode.json'), 1);
    expect(completion.choices[0].message.tool_calls).toBeUndefined();
    expect(JSON.parse(completion.choices[0].message.content ?? '')).toEqual({
      name: 'Ada',
      languages: ['en', 'fr'],
    });
    expect(completion.choices[0].finish_reason).toBe('stop');
  });

  it('maps every stop_reason', () => {
    expect(toFinishReason('end_turn', false)).toBe('stop');
    expect(toFinishReason('stop_sequence', false)).toBe('stop');
    expect(toFinishReason('max_tokens', false)).toBe('length');
    expect(toFinishReason('model_context_window_exceeded', false)).toBe('length');
    expect(toFinishReason('tool_use', true)).toBe('tool_calls');
    expect(toFinishReason('refusal', false)).toBe('content_filter');
    expect(toFinishReason('pause_turn', false)).toBe('stop');
  });

  it('tolerates absent cache fields', () => {
    expect(toOpenAIUsage({ input_tokens: 5, output_tokens: 2 })).toEqual({
      prompt_tokens: 5,
      completion_tokens: 2,
      total_tokens: 7,
      prompt_tokens_details: { cached_tokens: 0 },
    });
  });
});

describe('AnthropicStreamTranslator', () => {
  it('translates the text event sequence (ping included) and ends with usage', () => {
    const chunks = translate('anthropic/stream-text.sse');
    expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: '' });
    expect(chunks[0].id).toBe('msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY');
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Hello! How can I help?');
    expect(chunks[chunks.length - 2].choices[0].finish_reason).toBe('stop');
    expect(chunks[chunks.length - 1]).toMatchObject({
      object: 'chat.completion.chunk',
      choices: [],
      usage: {
        prompt_tokens: 25 + 1024,
        completion_tokens: 15,
        prompt_tokens_details: { cached_tokens: 1024 },
      },
    });
  });

  it('translates tool_use blocks and input_json_delta into indexed tool_call deltas', () => {
    const chunks = translate('anthropic/stream-tool-use.sse');
    const deltas = chunks.flatMap((c) => c.choices.flatMap((choice) => choice.delta.tool_calls ?? []));
    expect(deltas[0]).toEqual({
      index: 0,
      id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6',
      type: 'function',
      function: { name: 'get_weather', arguments: '' },
    });
    const args = [0, 1].map((i) =>
      deltas
        .filter((d) => d.index === i)
        .map((d) => d.function?.arguments ?? '')
        .join(''),
    );
    expect(JSON.parse(args[0])).toEqual({ location: 'San Francisco, CA' });
    expect(JSON.parse(args[1])).toEqual({ timezone: 'America/Los_Angeles' });
    expect(deltas.filter((d) => d.id).map((d) => d.function?.name)).toEqual(['get_weather', 'get_time']);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe(
      "Okay, let's check the weather:",
    );
    expect(chunks[chunks.length - 2].choices[0].finish_reason).toBe('tool_calls');
    expect(chunks[chunks.length - 1].usage).toMatchObject({ prompt_tokens: 472, completion_tokens: 89 });
  });

  it('streams the JSON-mode tool input as content', () => {
    const translator = new AnthropicStreamTranslator('claude', 1);
    const send = (data: object): ChatCompletionChunk | null =>
      translator.onEvent({ data: JSON.stringify(data) });
    send({
      type: 'message_start',
      message: { id: 'msg_1', model: 'claude', usage: { input_tokens: 3, output_tokens: 1 } },
    });
    expect(
      send({
        type: 'content_block_start',
        index: 0,
        content_block: { type: 'tool_use', id: 't', name: 'modelmuxer_json_response', input: {} },
      }),
    ).toBeNull();
    expect(
      send({
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'input_json_delta', partial_json: '{"a":' },
      })?.choices[0].delta,
    ).toEqual({ content: '{"a":' });
    send({ type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '1}' } });
    expect(
      send({ type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 7 } })
        ?.choices[0].finish_reason,
    ).toBe('stop');
  });

  it('throws provider_stream_error on an error event', () => {
    const translator = new AnthropicStreamTranslator('claude', 1);
    const events = fixtureEvents('anthropic/stream-error.sse');
    const texts: string[] = [];
    let error: ProviderError | undefined;
    try {
      for (const event of events) {
        const chunk = translator.onEvent(event);
        if (chunk?.choices[0]?.delta.content) texts.push(chunk.choices[0].delta.content);
      }
    } catch (caught) {
      error = caught as ProviderError;
    }
    expect(texts).toEqual(['Once upon']);
    expect([error?.code, error?.message]).toEqual([
      ErrorCode.ProviderStreamError,
      'anthropic stream failed: the provider reported an error (overloaded_error)',
    ]);
  });

  it('refuses a stream that ended before message_stop', () => {
    const translator = new AnthropicStreamTranslator('claude', 1);
    for (const event of fixtureEvents('anthropic/stream-text.sse').slice(0, 4)) translator.onEvent(event);
    expect(() => translator.finish()).toThrow(/before message_stop/);
  });
});

describe('readAnthropicError', () => {
  it('reads the error type and message', () => {
    expect(readAnthropicError(fixtureJson('anthropic/error-529.json'), 529)).toEqual({
      message: 'Overloaded',
      type: 'overloaded_error',
      requestId: 'req_011CSHoEeqs5C35K2UUqR7G0',
    });
    expect(readAnthropicError(fixtureJson('anthropic/error-401.json'), 401).type).toBe(
      'authentication_error',
    );
    expect(readAnthropicError('upstream connect error', 503).message).toBe('upstream connect error');
  });
});
