import { describeUnknown, StatusOverrides, UpstreamErrorInfo } from '../shared/provider-errors';

function detailMessage(detail: unknown): string | undefined {
  if (!Array.isArray(detail)) return describeUnknown(detail);
  // Pydantic validation errors: [{type, loc: ["body", "messages", 0, ...], msg}]
  return detail
    .map((item) => {
      const entry = item as { loc?: unknown; msg?: unknown };
      const loc = Array.isArray(entry.loc) ? entry.loc.filter((part) => part !== 'body').join('.') : '';
      const msg = typeof entry.msg === 'string' ? entry.msg : describeUnknown(item);
      return loc ? `${loc}: ${msg}` : msg;
    })
    .join('; ');
}

/**
 * Mistral's error bodies come in several shapes:
 * - `{"object":"error","message":"…","type":"invalid_request_error","param":null,"code":"3280"}`
 * - `{"object":"error","message":{"detail":[{"type":"extra_forbidden","loc":[…],"msg":"…"}]},…}` (422)
 * - `{"message":"Unauthorized","request_id":"…"}` and `{"detail":"Unauthorized"}` (gateway)
 */
export function readMistralError(body: unknown, status: number): UpstreamErrorInfo {
  if (typeof body === 'object' && body !== null) {
    const b = body as Record<string, unknown>;
    let message: string | undefined;
    if (typeof b.message === 'object' && b.message !== null && 'detail' in b.message) {
      message = detailMessage((b.message as { detail: unknown }).detail);
    } else {
      message = describeUnknown(b.message) ?? detailMessage(b.detail);
    }
    return {
      message: message ?? `HTTP ${status}`,
      type: typeof b.type === 'string' ? b.type : undefined,
      code: typeof b.code === 'string' || typeof b.code === 'number' ? String(b.code) : undefined,
      param: typeof b.param === 'string' ? b.param : undefined,
      requestId: typeof b.request_id === 'string' ? b.request_id : undefined,
    };
  }
  const text = typeof body === 'string' ? body.trim().slice(0, 500) : '';
  return { message: text || `HTTP ${status}` };
}

export const MISTRAL_STATUS_OVERRIDES: StatusOverrides = {};
