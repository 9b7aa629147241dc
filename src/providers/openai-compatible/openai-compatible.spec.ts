import { ErrorCode } from '../../common/errors';
import type { ChatCompletion, ChatCompletionChunk } from '../../common/openai/chat.types';
import { fixtureEvents, fixtureJson } from '../../../test/fixtures/providers/load';
import { LITELLM_DIALECT } from '../litellm/litellm.request';
import { OPENAI_DIALECT } from '../openai/openai.request';
import type { ProviderError, ProviderRequest } from '../provider.types';
import { readOpenAIStyleError } from './openai-compatible.errors';
import { toOpenAICompatibleRequest } from './openai-compatible.request';
import { fromOpenAICompatibleResponse } from './openai-compatible.response';
import { OpenAICompatibleStreamTranslator } from './openai-compatible.stream';

const base: ProviderRequest = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] };

function translate(
  events: ReturnType<typeof fixtureEvents>,
  request: ProviderRequest = base,
): ChatCompletionChunk[] {
  const translator = new OpenAICompatibleStreamTranslator(OPENAI_DIALECT, request, 1);
  const chunks: ChatCompletionChunk[] = [];
  for (const event of events) {
    const chunk = translator.onEvent(event);
    if (chunk) chunks.push(chunk);
  }
  chunks.push(translator.finish());
  return chunks;
}

describe('OpenAI request translation', () => {
  it('forwards every parameter, unknown ones included, and never mutates the request', () => {
    const request: ProviderRequest = {
      ...base,
      temperature: 1.7,
      logprobs: true,
      top_logprobs: 3,
      seed: 7,
      user: 'u-1',
      reasoning_effort: 'low',
      tool_choice: 'required',
      tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }],
      stop: null,
    };
    const snapshot = JSON.stringify(request);
    const body = toOpenAICompatibleRequest(request, OPENAI_DIALECT, false);
    expect(body).toEqual({ ...request, stream: false, stop: undefined });
    expect('stop' in body).toBe(false); // nulls are not sent
    expect(body.tool_choice).toBe('required');
    expect(JSON.stringify(request)).toBe(snapshot);
  });

  it('drops Anthropic thinking (the switch and assistant thinking_blocks); LiteLLM forwards both', () => {
    const request: ProviderRequest = {
      ...base,
      thinking: { type: 'enabled', budget_tokens: 2048 },
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello', thinking_blocks: [{ type: 'redacted_thinking', data: 'x' }] },
        { role: 'user', content: 'Again' },
      ],
    };
    const body = toOpenAICompatibleRequest(request, OPENAI_DIALECT, false);
    expect(body.thinking).toBeUndefined();
    expect(body.messages[1]).toEqual({ role: 'assistant', content: 'Hello' });
    expect(request.messages[1].thinking_blocks).toHaveLength(1);
    const litellm = toOpenAICompatibleRequest(request, LITELLM_DIALECT, false);
    expect(litellm.thinking).toEqual({ type: 'enabled', budget_tokens: 2048 });
    expect(litellm.messages[1]).toEqual(request.messages[1]);
  });

  it('always asks for usage in streams, keeping the client stream_options', () => {
    const body = toOpenAICompatibleRequest(
      { ...base, stream_options: { include_usage: false } },
      OPENAI_DIALECT,
      true,
    );
    expect(body.stream).toBe(true);
    expect(body.stream_options).toEqual({ include_usage: true });
    expect(toOpenAICompatibleRequest(base, OPENAI_DIALECT, false).stream_options).toBeUndefined();
  });
});

describe('OpenAI response translation', () => {
  it('keeps a recorded completion intact, usage details included', () => {
    const completion = fromOpenAICompatibleResponse(
      fixtureJson('openai/chat-completion.json'),
      OPENAI_DIALECT,
      'x',
      1,
    );
    expect(completion.choices[0].message.content).toContain('wooden boardwalk');
    expect(completion.choices[0].finish_reason).toBe('stop');
    expect(completion.usage?.prompt_tokens_details?.cached_tokens).toBe(1024);
    expect(completion.system_fingerprint).toBe('fp_fc9f1d7035');
  });

  it('keeps parallel tool calls', () => {
    const completion: ChatCompletion = fromOpenAICompatibleResponse(
      fixtureJson('openai/chat-completion-tool-calls.json'),
      OPENAI_DIALECT,
      'x',
      1,
    );
    const message = completion.choices[0].message;
    expect(message.content).toBeNull();
    expect(message.tool_calls?.map((call) => call.id)).toEqual(['call_abc123', 'call_def456']);
    expect(completion.choices[0].finish_reason).toBe('tool_calls');
  });

  it('rejects a body without choices', () => {
    expect(() => fromOpenAICompatibleResponse({ id: 'x' }, OPENAI_DIALECT, 'x', 1)).toThrow(
      /unreadable response/,
    );
  });
});

describe('OpenAI stream translation', () => {
  it('yields content chunks as they come and ends with one usage chunk', () => {
    const chunks = translate(fixtureEvents('openai/stream-text.sse'));
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe('Hello! How can I help?');
    expect(chunks.slice(0, -1).every((c) => c.usage === undefined && c.choices.length === 1)).toBe(true);
    const last = chunks[chunks.length - 1];
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 9, total_tokens: 18 });
    expect(chunks[chunks.length - 2].choices[0].finish_reason).toBe('stop');
  });

  it('passes parallel tool-call deltas with their indices', () => {
    const chunks = translate(fixtureEvents('openai/stream-tool-calls.sse'));
    const deltas = chunks.flatMap((c) => c.choices.flatMap((choice) => choice.delta.tool_calls ?? []));
    expect(deltas[0]).toEqual({
      index: 0,
      id: 'call_DdmO9pD3xa9XTPNJ32zg2hcA',
      type: 'function',
      function: { name: 'get_weather', arguments: '' },
    });
    const args = [0, 1].map((i) =>
      deltas
        .filter((d) => d.index === i)
        .map((d) => d.function?.arguments ?? '')
        .join(''),
    );
    expect(args.map((a) => JSON.parse(a) as unknown)).toEqual([
      { location: 'Paris' },
      { location: 'Bogotá' },
    ]);
    expect(chunks[chunks.length - 1].usage?.total_tokens).toBe(109);
  });

  it('throws provider_stream_error on an error event after chunks', () => {
    const translator = new OpenAICompatibleStreamTranslator(OPENAI_DIALECT, base, 1);
    const events = fixtureEvents('openai/stream-mid-error.sse');
    expect(translator.onEvent(events[0])).not.toBeNull();
    expect(translator.onEvent(events[1])?.choices[0].delta.content).toBe('Once upon');
    let error: ProviderError | undefined;
    try {
      translator.onEvent(events[2]);
    } catch (caught) {
      error = caught as ProviderError;
    }
    expect(error?.code).toBe(ErrorCode.ProviderStreamError);
    // The upstream's own words are not passed on (upstream text is untrusted); its type is.
    expect(error?.message).toBe('openai stream failed: the provider reported an error (server_error)');
  });

  it('refuses a stream cut before any finish_reason, and estimates usage when the upstream sent none', () => {
    const events = fixtureEvents('openai/stream-text.sse');
    const cut = new OpenAICompatibleStreamTranslator(OPENAI_DIALECT, base, 1);
    cut.onEvent(events[0]);
    cut.onEvent(events[1]);
    expect(() => cut.finish()).toThrow(/ended before the response was complete/);

    const noUsage = new OpenAICompatibleStreamTranslator(OPENAI_DIALECT, base, 1);
    for (const event of events.slice(0, 4)) noUsage.onEvent(event);
    const last = noUsage.finish();
    expect(last.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(last.usage?.completion_tokens).toBe(Math.ceil('Hello! How can I help?'.length / 4));
  });
});

describe('readOpenAIStyleError', () => {
  it('reads OpenAI error bodies and tolerates non-JSON ones', () => {
    expect(readOpenAIStyleError(fixtureJson('openai/error-429-quota.json'), 429)).toMatchObject({
      type: 'insufficient_quota',
      code: 'insufficient_quota',
    });
    expect(readOpenAIStyleError('<html>Bad Gateway</html>', 502).message).toBe('<html>Bad Gateway</html>');
    expect(readOpenAIStyleError('', 503).message).toBe('HTTP 503');
  });
});
