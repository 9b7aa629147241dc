import type { ChatCompletionRequest } from '../src/common/openai/chat.types';

/**
 * What the benchmark sends. A short, unambiguous coding prompt: the local classifier is
 * confident, so the LLM intent fallback (which would add a second upstream call) stays out of
 * the measurement, and `model: "auto"` makes intent classification and routing decide the
 * model. No temperature: the response cache is consulted and skips (only deterministic
 * requests are cached), as for most real traffic.
 */
export const SHORT_PROMPT =
  'Write a Python function that checks whether a string is a palindrome, ignoring case and spaces.';

export function gatewayRequest(stream: boolean): ChatCompletionRequest {
  return {
    model: 'auto',
    messages: [{ role: 'user', content: SHORT_PROMPT }],
    max_tokens: 256,
    ...(stream ? { stream: true } : {}),
  };
}

/**
 * The same request as the gateway forwards it to the upstream (the routed model, and the usage
 * request the OpenAI adapter adds to streams), so that "direct" does the same upstream work.
 */
export function directRequest(stream: boolean, routedModel: string): ChatCompletionRequest {
  return {
    ...gatewayRequest(stream),
    model: routedModel,
    ...(stream ? { stream_options: { include_usage: true } } : {}),
  };
}
