import { describeUnknown, UpstreamErrorInfo } from '../shared/provider-errors';

function asString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

/**
 * Reads an OpenAI-style error body: `{"error": {"message", "type", "param", "code"}}`
 * (OpenAI, LiteLLM — whose `code` is the status as a string — and most compatible servers).
 * Falls back to the raw text for bodies that are not JSON (a proxy's error page).
 */
export function readOpenAIStyleError(body: unknown, status: number): UpstreamErrorInfo {
  if (typeof body === 'object' && body !== null) {
    const error = (body as { error?: unknown }).error;
    if (typeof error === 'object' && error !== null) {
      const e = error as Record<string, unknown>;
      return {
        message: describeUnknown(e.message) ?? `HTTP ${status}`,
        type: asString(e.type),
        code: asString(e.code),
        param: asString(e.param),
      };
    }
    if (typeof error === 'string') return { message: error };
  }
  const text = typeof body === 'string' ? body.trim().slice(0, 500) : '';
  return { message: text || `HTTP ${status}` };
}
