import type { ChatCompletionChunk } from '../../common/openai/chat.types';
import { fixtureEvents, fixtureJson } from '../../../test/fixtures/providers/load';
import { toOpenAICompatibleRequest } from '../openai-compatible/openai-compatible.request';
import { OpenAICompatibleStreamTranslator } from '../openai-compatible/openai-compatible.stream';
import { readLiteLLMError } from './litellm.errors';
import { LITELLM_DIALECT, litellmApiBase } from './litellm.request';

describe('LiteLLM', () => {
  it('uses the proxy root with /v1, without doubling a /v1 already there', () => {
    expect(litellmApiBase('http://localhost:4000')).toBe('http://localhost:4000/v1');
    expect(litellmApiBase('http://localhost:4000/')).toBe('http://localhost:4000/v1');
    expect(litellmApiBase('http://localhost:4000/v1')).toBe('http://localhost:4000/v1');
    expect(litellmApiBase('https://gw.example.com/litellm/v1/')).toBe('https://gw.example.com/litellm/v1');
  });

  it('forwards every parameter (the proxy maps them) and asks for stream usage', () => {
    const body = toOpenAICompatibleRequest(
      {
        model: 'claude-3-5-haiku',
        messages: [{ role: 'user', content: 'x' }],
        top_k: 3,
        logprobs: true,
        metadata: { tag: 'a' },
      },
      LITELLM_DIALECT,
      true,
    );
    expect(body).toMatchObject({
      top_k: 3,
      logprobs: true,
      metadata: { tag: 'a' },
      stream_options: { include_usage: true },
    });
  });

  it('reads its errors, treating "None" as absent', () => {
    expect(readLiteLLMError(fixtureJson('litellm/error-429.json'), 429)).toEqual({
      message: expect.stringContaining('litellm.RateLimitError') as unknown as string,
      type: undefined,
      code: '429',
      param: undefined,
    });
  });

  it('translates a recorded stream', () => {
    const translator = new OpenAICompatibleStreamTranslator(
      LITELLM_DIALECT,
      { model: 'gpt-4o-mini', messages: [] },
      1,
    );
    const chunks = fixtureEvents('litellm/stream-text.sse')
      .map((e) => translator.onEvent(e))
      .filter((c): c is ChatCompletionChunk => c !== null);
    chunks.push(translator.finish());
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Hi there');
    expect(chunks[chunks.length - 1].usage).toMatchObject({ prompt_tokens: 8, completion_tokens: 2 });
  });
});
