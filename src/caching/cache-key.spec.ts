import type { ChatCompletionRequest } from '../common/openai/chat.types';
import { responseCacheKey, shouldUseCache } from './cache-key';

const base: ChatCompletionRequest = { messages: [{ role: 'user', content: 'What is 2+2?' }], temperature: 0 };

describe('response cache key', () => {
  it('is stable across field order and ignores stream/user/model fields', () => {
    const a = responseCacheKey('t1', 'gpt-4o-mini', { ...base, stream: false, user: 'alice', model: 'auto' });
    const b = responseCacheKey('t1', 'gpt-4o-mini', { temperature: 0, messages: base.messages, user: 'bob' });
    expect(a).toBe(b);
  });

  it('differs by tenant, routed model and anything that changes the answer', () => {
    const key = responseCacheKey('t1', 'gpt-4o-mini', base);
    expect(responseCacheKey('t2', 'gpt-4o-mini', base)).not.toBe(key);
    expect(responseCacheKey('t1', 'gpt-4o', base)).not.toBe(key);
    expect(responseCacheKey('t1', 'gpt-4o-mini', { ...base, max_tokens: 5 })).not.toBe(key);
    expect(
      responseCacheKey('t1', 'gpt-4o-mini', {
        ...base,
        messages: [{ role: 'user', content: 'What is 2+3?' }],
      }),
    ).not.toBe(key);
  });
});

describe('shouldUseCache', () => {
  it('caches deterministic requests by default, not sampling ones', () => {
    expect(shouldUseCache(base, undefined)).toBe(true);
    expect(shouldUseCache({ ...base, temperature: 0.7 }, undefined)).toBe(false);
    expect(shouldUseCache({ messages: base.messages }, undefined)).toBe(false);
  });

  it('honours the client directive, but never caches n > 1', () => {
    expect(shouldUseCache({ ...base, temperature: 1 }, 'true')).toBe(true);
    expect(shouldUseCache(base, 'false')).toBe(false);
    expect(shouldUseCache({ ...base, n: 2 }, 'true')).toBe(false);
  });
});
