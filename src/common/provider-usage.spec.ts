import { MAX_REPORTED_TOKENS, tokenCount, trustedUsage } from './provider-usage';

const estimate = { promptTokens: 120, completionTokens: 30 };

describe('trustedUsage', () => {
  it('keeps valid upstream counts as they are', () => {
    const result = trustedUsage(
      {
        prompt_tokens: 100,
        completion_tokens: 20,
        total_tokens: 120,
        prompt_tokens_details: { cached_tokens: 40, audio_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 5 },
      },
      estimate,
    );
    expect(result).toEqual({
      usage: {
        prompt_tokens: 100,
        completion_tokens: 20,
        total_tokens: 120,
        prompt_tokens_details: { cached_tokens: 40, audio_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 5 },
      },
      estimated: false,
    });
  });

  it.each([
    ['an empty object', {}],
    ['null', null],
    ['a string', 'lots'],
    ['an array', [1, 2]],
    ['string counts', { prompt_tokens: '100', completion_tokens: '20' }],
    ['negative counts', { prompt_tokens: -5, completion_tokens: -1 }],
    ['NaN and Infinity', { prompt_tokens: NaN, completion_tokens: Infinity }],
    ['absurd counts', { prompt_tokens: 1e300, completion_tokens: MAX_REPORTED_TOKENS + 1 }],
    ['objects as counts', { prompt_tokens: { valueOf: (): number => 3 }, completion_tokens: [7] }],
  ])('falls back to the estimate for %s, flagged', (_name, reported) => {
    const result = trustedUsage(reported, estimate);
    expect(result.estimated).toBe(true);
    expect(result.usage).toEqual({ prompt_tokens: 120, completion_tokens: 30, total_tokens: 150 });
  });

  it('replaces only the invalid count', () => {
    const result = trustedUsage({ prompt_tokens: 90, completion_tokens: 'x' }, estimate);
    expect(result).toEqual({
      usage: { prompt_tokens: 90, completion_tokens: 30, total_tokens: 120 },
      estimated: true,
    });
  });

  it('rounds fractional counts and recomputes the total (a reported total is never trusted)', () => {
    const result = trustedUsage({ prompt_tokens: 10.6, completion_tokens: 2.2, total_tokens: -1 }, estimate);
    expect(result.usage).toEqual({ prompt_tokens: 11, completion_tokens: 2, total_tokens: 13 });
    expect(result.estimated).toBe(false);
  });

  it('caps cached tokens at the prompt and drops invalid or odd detail fields', () => {
    const result = trustedUsage(
      {
        prompt_tokens: 10,
        completion_tokens: 1,
        prompt_tokens_details: { cached_tokens: 50, 'bad key': 1, audio_tokens: -3, __proto__: { x: 1 } },
      },
      estimate,
    );
    expect(result.usage.prompt_tokens_details).toEqual({ cached_tokens: 10 });
  });

  it('never produces a non-finite or negative count, even from a non-finite estimate', () => {
    const result = trustedUsage({}, { promptTokens: NaN, completionTokens: -Infinity });
    expect(result.usage).toEqual({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
  });

  it('tokenCount accepts only finite non-negative numbers up to the cap', () => {
    expect(tokenCount(0)).toBe(0);
    expect(tokenCount(MAX_REPORTED_TOKENS)).toBe(MAX_REPORTED_TOKENS);
    for (const bad of [-1, NaN, Infinity, '1', null, undefined, true, {}, MAX_REPORTED_TOKENS + 1]) {
      expect(tokenCount(bad)).toBeNull();
    }
  });
});

describe('trustedUsage with a computed completion estimate', () => {
  it('computes the estimate only when the reported completion count is unusable', () => {
    let calls = 0;
    const estimate = { promptTokens: 10, completionTokens: () => (calls++, 7) };
    expect(trustedUsage({ prompt_tokens: 3, completion_tokens: 4 }, estimate).usage.completion_tokens).toBe(
      4,
    );
    expect(calls).toBe(0);
    const fallback = trustedUsage({ prompt_tokens: 3, completion_tokens: 'many' }, estimate);
    expect(fallback).toMatchObject({ usage: { completion_tokens: 7 }, estimated: true });
    expect(calls).toBe(1);
  });
});
