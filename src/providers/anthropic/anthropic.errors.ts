import { describeUnknown, StatusOverrides, UpstreamErrorInfo } from '../shared/provider-errors';

/**
 * Anthropic's error body: `{"type":"error","error":{"type":"rate_limit_error","message":"…"},
 * "request_id":"req_…"}`. Types: invalid_request_error (400), authentication_error (401),
 * permission_error (403), not_found_error (404), request_too_large (413), rate_limit_error
 * (429), api_error (500), overloaded_error (529). The same object is sent as an SSE `error`
 * event when a stream fails.
 */
export function readAnthropicError(body: unknown, status: number): UpstreamErrorInfo {
  if (typeof body === 'object' && body !== null) {
    const { error, request_id: requestId } = body as { error?: unknown; request_id?: unknown };
    if (typeof error === 'object' && error !== null) {
      const e = error as { type?: unknown; message?: unknown };
      return {
        message: describeUnknown(e.message) ?? `HTTP ${status}`,
        type: typeof e.type === 'string' ? e.type : undefined,
        requestId: typeof requestId === 'string' ? requestId : undefined,
      };
    }
  }
  const text = typeof body === 'string' ? body.trim().slice(0, 500) : '';
  return { message: text || `HTTP ${status}` };
}

export const ANTHROPIC_STATUS_OVERRIDES: StatusOverrides = {};
