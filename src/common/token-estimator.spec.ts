import fc from 'fast-check';
import * as o200k from 'gpt-tokenizer/encoding/o200k_base';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import type { ChatCompletionRequest } from './openai/chat.types';
import {
  EXACT_SAMPLE_CHARS,
  estimatePromptTokens,
  estimateTextTokens,
  IMAGE_TOKENS_UPPER,
  MAX_EXACT_PIECE_CHARS,
  promptTokenCounts,
  promptTokensUpperBound,
  requestedMaxOutputTokens,
  routingPromptTokens,
  utf8Bytes,
} from './token-estimator';

const PLAIN = { disallowedSpecial: new Set<string>() };
const user = (content: string): ChatCompletionRequest => ({ messages: [{ role: 'user', content }] });
/** Framing of a one-message request: 3 per message + 3 for the reply priming. */
const FRAMING = 6;

describe('token estimator', () => {
  it('counts short text exactly with the o200k tokenizer', () => {
    expect(estimateTextTokens('Hello world')).toBe(countTokens('Hello world'));
    expect(estimateTextTokens('')).toBe(0);
    expect(promptTokenCounts(user('Hi'))).toEqual({
      estimate: FRAMING + countTokens('Hi'),
      upperBound: FRAMING + countTokens('Hi'),
    });
  });

  it('counts special-token text such as <|endoftext|> as plain text instead of throwing', () => {
    const text = 'ignore this <|endoftext|><|im_start|>system<|im_sep|> and <|fim_prefix|>';
    expect(() => countTokens(text)).toThrow(); // the library's default refuses it
    expect(estimatePromptTokens(user(text))).toBe(FRAMING + countTokens(text, PLAIN));
    expect(routingPromptTokens(user(text))).toBe(FRAMING + countTokens(text, PLAIN));
  });

  it('bounds the audited case "4,000 spaces + 300k CJK characters" (was 2,560, billed 600,035)', () => {
    const text = ' '.repeat(4_000) + '中文字'.repeat(100_000);
    const bound = promptTokensUpperBound(user(text));
    expect(bound).toBeGreaterThanOrEqual(600_035);
    expect(bound).toBeLessThanOrEqual(FRAMING + utf8Bytes(text));
    expect(estimatePromptTokens(user(text))).toBe(bound);
    // The routing estimate is realistic (≈ one token per CJK character), and below the bound.
    expect(routingPromptTokens(user(text))).toBeGreaterThan(300_000);
    expect(routingPromptTokens(user(text))).toBeLessThanOrEqual(bound);
  });

  it('stays above the exact count when a sample of spaces hides CJK text behind it', () => {
    const text = ' '.repeat(4_000) + '中文字'.repeat(2_000);
    const exact = countTokens(text, PLAIN);
    expect(promptTokensUpperBound(user(text))).toBeGreaterThanOrEqual(FRAMING + exact);
  });

  it('does bounded BPE work: 40 messages of one CJK character ×4,000, and a 19 MB prompt', () => {
    const spy = jest.spyOn(o200k, 'countTokens');
    try {
      const cjk: ChatCompletionRequest = {
        messages: Array.from({ length: 40 }, () => ({ role: 'user' as const, content: '中'.repeat(4_000) })),
      };
      const huge = user('lorem ipsum dolor sit amet, '.repeat(700_000));
      for (const request of [cjk, huge]) {
        spy.mockClear();
        const counts = promptTokenCounts(request);
        const texts = spy.mock.calls.map(([text]) => String(text));
        // Long calls hold no long pre-token: no run of 64 spaces or non-spaces.
        for (const text of texts) {
          if (text.length > MAX_EXACT_PIECE_CHARS) expect(/\S{64}|\s{64}/.test(text)).toBe(false);
        }
        expect(texts.reduce((sum, text) => sum + text.length, 0)).toBeLessThanOrEqual(EXACT_SAMPLE_CHARS);
        expect(counts.upperBound).toBeGreaterThanOrEqual(counts.estimate);
      }
      // One long pre-token is bounded by its bytes (3 per CJK character), never BPE'd.
      expect(promptTokensUpperBound(cjk)).toBe(3 + 40 * (3 + 12_000));
    } finally {
      spy.mockRestore();
    }
  });

  it('extrapolates long text with bounded work, erring high', () => {
    const text = 'Explain the difference between a mutex and a semaphore, with examples. '.repeat(300);
    const exact = countTokens(text);
    const estimate = estimateTextTokens(text);
    expect(estimate).toBeGreaterThanOrEqual(exact);
    expect(promptTokensUpperBound(user(text))).toBeGreaterThanOrEqual(FRAMING + exact);
  });

  it('adds message framing, image and tool tokens', () => {
    const plain = estimatePromptTokens(user('Hi'));
    expect(plain).toBe(FRAMING + countTokens('Hi'));
    const image = (detail: 'low' | 'high'): ChatCompletionRequest => ({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Hi' },
            { type: 'image_url', image_url: { url: 'https://example.com/a.png', detail } },
          ],
        },
      ],
    });
    expect(routingPromptTokens(image('low'))).toBe(plain + 85);
    expect(routingPromptTokens(image('high'))).toBe(plain + 765);
    expect(promptTokensUpperBound(image('low'))).toBe(plain + IMAGE_TOKENS_UPPER);
    const withTools: ChatCompletionRequest = {
      ...user('Hi'),
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }],
    };
    expect(routingPromptTokens(withTools)).toBeGreaterThan(plain);
    expect(promptTokensUpperBound(withTools)).toBeGreaterThan(routingPromptTokens(withTools));
  });

  it('counts names, tool-call arguments and unknown parts without throwing on odd shapes', () => {
    const request = {
      messages: [
        { role: 'user', name: 'alice', content: [{ type: 'input_audio', input_audio: { data: 'AAAA' } }] },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }],
        },
        { role: 'user', content: [{ type: 'input_text', text: 'hello' }] },
      ],
    } as unknown as ChatCompletionRequest;
    const counts = promptTokenCounts(request);
    expect(counts.estimate).toBeGreaterThan(3 + 3 * 3);
    expect(counts.upperBound).toBeGreaterThanOrEqual(counts.estimate);
  });

  it('prefers max_completion_tokens over max_tokens', () => {
    expect(requestedMaxOutputTokens({ messages: [], max_tokens: 10, max_completion_tokens: 20 })).toBe(20);
    expect(requestedMaxOutputTokens({ messages: [], max_tokens: 10 })).toBe(10);
    expect(requestedMaxOutputTokens({ messages: [] })).toBeNull();
  });
});

describe('token estimator properties (fast-check)', () => {
  /** Text with long runs (pre-tokens over MAX_EXACT_PIECE_CHARS), unicode edge cases and special tokens. */
  const hostileText = fc
    .array(
      fc.oneof(
        fc.string({ unit: 'binary', maxLength: 40 }),
        fc.string({ unit: 'grapheme', maxLength: 40 }),
        fc.constantFrom('<|endoftext|>', '<|im_start|>', '\u0000', '\ud800', '\udfff', '\u202e', ' '),
        fc.constantFrom('\n', '\r\n', '\n\n', ' \n', '\n ', '\n/', '!\n', '\n\t', '\u2028'),
        fc
          .tuple(fc.constantFrom('中', ' ', 'a', 'é', '🙂', '-', '\t', '1'), fc.integer({ min: 1, max: 300 }))
          .map(([char, n]) => char.repeat(n)),
      ),
      { maxLength: 12 },
    )
    .map((parts) => parts.join(''));

  it('the upper bound is never below o200k’s exact count, nor above the UTF-8 bytes', () => {
    // Small samples exercise the cut between the exact head and the byte-bounded rest.
    const sampleChars = fc.oneof(fc.constant(EXACT_SAMPLE_CHARS), fc.integer({ min: 0, max: 400 }));
    fc.assert(
      fc.property(hostileText, sampleChars, (text, sample) => {
        const counts = promptTokenCounts(user(text), sample);
        const exact = FRAMING + countTokens(text, PLAIN);
        expect(counts.upperBound).toBeGreaterThanOrEqual(exact);
        expect(counts.upperBound).toBeLessThanOrEqual(FRAMING + utf8Bytes(text));
        expect(counts.estimate).toBeLessThanOrEqual(counts.upperBound);
      }),
      { numRuns: 300 },
    );
  });

  it('equals the exact count when every pre-token is short and the text fits the sample', () => {
    const shortPieces = fc
      .array(fc.string({ unit: fc.constantFrom(...'abcXYZ019.,!?-_中é'), maxLength: 20 }), { maxLength: 50 })
      .map((words) => words.join(' '));
    fc.assert(
      fc.property(shortPieces, (text) => {
        const exact = FRAMING + countTokens(text, PLAIN);
        expect(promptTokenCounts(user(text))).toEqual({ estimate: exact, upperBound: exact });
      }),
      { numRuns: 150 },
    );
  });
});
