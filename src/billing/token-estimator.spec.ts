import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { estimatePromptTokens, estimateTextTokens, requestedMaxOutputTokens } from './token-estimator';

describe('token estimator', () => {
  it('counts short text exactly with the o200k tokenizer', () => {
    expect(estimateTextTokens('Hello world')).toBe(countTokens('Hello world'));
    expect(estimateTextTokens('')).toBe(0);
  });

  it('extrapolates long text from a sample, erring slightly high', () => {
    const text = 'Explain the difference between a mutex and a semaphore, with examples. '.repeat(300);
    const exact = countTokens(text);
    const estimate = estimateTextTokens(text);
    expect(estimate).toBeGreaterThanOrEqual(exact);
    expect(estimate).toBeLessThan(exact * 1.15);
  });

  it('adds message framing, image and tool tokens', () => {
    const plain = estimatePromptTokens({ messages: [{ role: 'user', content: 'Hi' }] });
    expect(plain).toBe(3 + 3 + countTokens('Hi'));
    const withImage = estimatePromptTokens({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Hi' },
            { type: 'image_url', image_url: { url: 'https://example.com/a.png', detail: 'low' } },
          ],
        },
      ],
    });
    expect(withImage).toBe(plain + 85);
    const withTools = estimatePromptTokens({
      messages: [{ role: 'user', content: 'Hi' }],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }],
    });
    expect(withTools).toBeGreaterThan(plain);
  });

  it('prefers max_completion_tokens over max_tokens', () => {
    expect(requestedMaxOutputTokens({ messages: [], max_tokens: 10, max_completion_tokens: 20 })).toBe(20);
    expect(requestedMaxOutputTokens({ messages: [], max_tokens: 10 })).toBe(10);
    expect(requestedMaxOutputTokens({ messages: [] })).toBeNull();
  });
});
