import fc from 'fast-check';
import { ErrorCode, GatewayError } from '../common/errors';
import type { ChatCompletionRequest } from '../common/openai/chat.types';
import { applyRequestLimits, assertEndpointAllowed, compileRequestLimits } from './request-limits';

const hello: ChatCompletionRequest = { model: 'auto', messages: [{ role: 'user', content: 'Hello' }] };
const open = compileRequestLimits({});

function refusal(run: () => unknown): { code: string; param: string | null; message: string } {
  try {
    run();
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error;
    return { code: error.code, param: error.param, message: error.message };
  }
  throw new Error('expected a refusal');
}

describe('applyRequestLimits', () => {
  it('changes nothing (same object) under the built-in policy', () => {
    expect(applyRequestLimits(hello, open, 'chat_completions')).toBe(hello);
  });

  it('refuses endpoints the policy does not open, naming the endpoint', () => {
    const chatOnly = compileRequestLimits({ allowed_endpoints: ['chat_completions'] });
    expect(applyRequestLimits(hello, chatOnly, 'chat_completions')).toBe(hello);
    const refused = refusal(() => applyRequestLimits(hello, chatOnly, 'messages'));
    expect(refused.code).toBe(ErrorCode.PolicyViolation);
    expect(refused.message).toContain('/v1/messages');
    expect(() => assertEndpointAllowed(chatOnly, 'embeddings')).toThrow(/v1\/embeddings/);
  });

  it('refuses streaming, tools (also legacy functions and tool_choice) and images when switched off', () => {
    const none = compileRequestLimits({ features: { streaming: false, tools: false, images: false } });
    expect(
      refusal(() => applyRequestLimits({ ...hello, stream: true }, none, 'chat_completions')).param,
    ).toBe('stream');
    const tool = { type: 'function' as const, function: { name: 'f', parameters: {} } };
    for (const withTools of [
      { ...hello, tools: [tool] },
      { ...hello, functions: [{ name: 'f' }] },
      { ...hello, tool_choice: 'required' as const },
    ]) {
      expect(refusal(() => applyRequestLimits(withTools, none, 'chat_completions')).param).toBe('tools');
    }
    const image: ChatCompletionRequest = {
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'what is this?' },
            { type: 'image_url', image_url: { url: 'https://example.com/a.png' } },
          ],
        },
      ],
    };
    expect(refusal(() => applyRequestLimits(image, none, 'chat_completions')).param).toBe('messages');
    // Empty tool lists and text-only parts are not uses of the feature.
    const plain = { ...hello, stream: false, tools: [] };
    expect(applyRequestLimits(plain, none, 'chat_completions')).toBe(plain);
  });

  it('caps output: refuses more than the cap, fills the cap in (on a copy) when none is asked', () => {
    const capped = compileRequestLimits({ max_output_tokens: 256 });
    const filled = applyRequestLimits(hello, capped, 'chat_completions');
    expect(filled).not.toBe(hello);
    expect(filled.max_completion_tokens).toBe(256);
    expect(hello.max_completion_tokens).toBeUndefined();
    const within = { ...hello, max_tokens: 100 };
    expect(applyRequestLimits(within, capped, 'chat_completions')).toBe(within);
    expect(
      refusal(() => applyRequestLimits({ ...hello, max_tokens: 257 }, capped, 'chat_completions')),
    ).toMatchObject({ code: ErrorCode.PolicyViolation, param: 'max_tokens' });
    expect(
      refusal(() => applyRequestLimits({ ...hello, max_completion_tokens: 1000 }, capped, 'chat_completions'))
        .param,
    ).toBe('max_completion_tokens');
  });

  it('property: any request either is refused with a policy error or leaves with output ≤ the cap', () => {
    const request = fc.record({
      stream: fc.option(fc.boolean(), { nil: undefined }),
      max_tokens: fc.option(fc.integer({ min: 1, max: 100_000 }), { nil: undefined }),
      max_completion_tokens: fc.option(fc.integer({ min: 1, max: 100_000 }), { nil: undefined }),
      tools: fc.option(fc.constant([{ type: 'function', function: { name: 'f' } }]), { nil: undefined }),
    });
    const limits = fc.record({
      max_output_tokens: fc.option(fc.integer({ min: 1, max: 100_000 }), { nil: null }),
      features: fc.record({ streaming: fc.boolean(), tools: fc.boolean(), images: fc.boolean() }),
    });
    fc.assert(
      fc.property(request, limits, (fields, policy) => {
        const input = { ...hello, ...fields } as ChatCompletionRequest;
        const compiled = compileRequestLimits(policy);
        let out: ChatCompletionRequest;
        try {
          out = applyRequestLimits(input, compiled, 'chat_completions');
        } catch (error) {
          return error instanceof GatewayError && error.code === ErrorCode.PolicyViolation;
        }
        const asked = out.max_completion_tokens ?? out.max_tokens;
        if (policy.max_output_tokens !== null && (asked == null || asked > policy.max_output_tokens))
          return false;
        if (!policy.features.streaming && out.stream === true) return false;
        return policy.features.tools || out.tools === undefined;
      }),
    );
  });
});
