import { readOpenAIStyleError } from '../openai-compatible/openai-compatible.errors';
import type { StatusOverrides, UpstreamErrorInfo } from '../shared/provider-errors';

/** LiteLLM serializes Python's None as the string "None" in error fields. */
function present(value: string | undefined): string | undefined {
  return value === undefined || value === 'None' || value === '' ? undefined : value;
}

/**
 * LiteLLM's error body is OpenAI's shape with its own habits:
 * `{"error":{"message":"litellm.RateLimitError: …","type":"None","param":"None","code":"429"}}` —
 * `code` is the HTTP status as a string, absent values are "None".
 */
export function readLiteLLMError(body: unknown, status: number): UpstreamErrorInfo {
  const info = readOpenAIStyleError(body, status);
  return {
    message: info.message,
    type: present(info.type),
    code: present(info.code),
    param: present(info.param),
    requestId: info.requestId,
  };
}

/**
 * LiteLLM sets `code` to the HTTP status, so only backends whose OpenAI-style codes it passes
 * through are recognized; its ContextWindowExceededError (type "None", code "400", the class
 * name only in the message) stays a plain provider_bad_request: errors are never classified
 * by message text.
 */
export const LITELLM_STATUS_OVERRIDES: StatusOverrides = {
  quotaCodes: ['insufficient_quota'],
  contextLengthCodes: ['context_length_exceeded'],
};
