import type { GatewayError } from './errors';
import { ErrorCode } from './errors';

/**
 * Anthropic's error shape, for the routes that speak Anthropic's Messages API (/v1/messages):
 *   {"type": "error", "error": {"type": "invalid_request_error", "message": "..."}, "request_id": "..."}
 * Same statuses as everywhere else; only the body differs. Reference:
 * https://docs.anthropic.com/en/api/errors
 */
export type AnthropicErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'billing_error'
  | 'permission_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'timeout_error'
  | 'api_error'
  | 'overloaded_error';

export interface AnthropicErrorBody {
  type: 'error';
  error: { type: AnthropicErrorType; message: string };
  request_id?: string;
  [extra: string]: unknown;
}

/** The Anthropic error type for a gateway error: by code where it says more, else by status. */
export function anthropicErrorType(error: Pick<GatewayError, 'code' | 'status'>): AnthropicErrorType {
  if (error.code === ErrorCode.BudgetExceeded) return 'billing_error';
  switch (error.status) {
    case 401:
      return 'authentication_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 503:
      return 'overloaded_error';
    case 504:
      return 'timeout_error';
  }
  return error.status >= 500 ? 'api_error' : 'invalid_request_error';
}

export function anthropicErrorBody(error: GatewayError, requestId?: string): AnthropicErrorBody {
  const body: AnthropicErrorBody = {
    type: 'error',
    error: { type: anthropicErrorType(error), message: error.message },
  };
  if (requestId) body.request_id = requestId;
  return body;
}
