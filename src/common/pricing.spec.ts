import { costNanoUsd, nanoToUsd, usdToNano } from './pricing';

describe('costNanoUsd', () => {
  const gpt4oMini = { input: 0.15, output: 0.6, cached_input: 0.075 };

  it('prices prompt and completion tokens per 1M', () => {
    // 1,000 prompt tokens at $0.15/M = $0.00015; 500 completion at $0.60/M = $0.0003
    expect(nanoToUsd(costNanoUsd(gpt4oMini, { promptTokens: 1000, completionTokens: 500 }))).toBeCloseTo(
      0.00045,
      12,
    );
  });

  it('applies the cached-input price to cached prompt tokens only', () => {
    const cost = costNanoUsd(gpt4oMini, { promptTokens: 1000, cachedPromptTokens: 400, completionTokens: 0 });
    expect(cost).toBe(600 * 150 + 400 * 75);
  });

  it('falls back to the input price when the model has no cached price', () => {
    const cost = costNanoUsd(
      { input: 3, output: 15 },
      { promptTokens: 10, cachedPromptTokens: 10, completionTokens: 1 },
    );
    expect(cost).toBe(10 * 3000 + 15000);
  });

  it('adds up exactly: a million tiny requests do not drift', () => {
    let total = 0;
    for (let i = 0; i < 1_000_000; i++)
      total += costNanoUsd(gpt4oMini, { promptTokens: 7, completionTokens: 3 });
    expect(total).toBe(1_000_000 * (7 * 150 + 3 * 600));
  });

  it('converts between USD and nano-USD', () => {
    expect(usdToNano(12.5)).toBe(12_500_000_000);
    expect(nanoToUsd(1)).toBe(1e-9);
  });
});
