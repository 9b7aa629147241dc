/**
 * Typed gateway errors. Every error a client sees is produced from a GatewayError by the one
 * exception filter (common/openai-exception.filter.ts) as an OpenAI error object:
 *   {"error": {"message", "type", "param", "code"}}
 * Map errors by code, never by message text.
 */

export enum ErrorCode {
  InvalidJson = 'invalid_json',
  InvalidRequest = 'invalid_request',
  ValidationFailed = 'invalid_value',
  ModelNotFound = 'model_not_found',
  UnsupportedParameter = 'unsupported_parameter',
  ContextLengthExceeded = 'context_length_exceeded',
  InvalidApiKey = 'invalid_api_key',
  TenantSuspended = 'tenant_suspended',
  PermissionDenied = 'permission_denied',
  PolicyViolation = 'policy_violation',
  ContentPolicyViolation = 'content_policy_violation',
  NotFound = 'not_found',
  MethodNotAllowed = 'method_not_allowed',
  PayloadTooLarge = 'payload_too_large',
  RateLimited = 'rate_limit_exceeded',
  /** Too many requests or streams of one tenant in flight at once. */
  ConcurrencyLimited = 'concurrency_limit_exceeded',
  BudgetExceeded = 'budget_exceeded',
  Conflict = 'conflict',
  /** The upstream rejected ModelMuxer's own provider credentials (not the client's key). */
  ProviderAuthFailed = 'provider_auth_failed',
  /** The upstream said the request itself is bad (message passed through). */
  ProviderBadRequest = 'provider_bad_request',
  ProviderRateLimited = 'provider_rate_limited',
  ProviderUnavailable = 'provider_unavailable',
  ProviderTimeout = 'provider_timeout',
  ProviderStreamError = 'provider_stream_error',
  NoProviderAvailable = 'no_provider_available',
  ServiceUnavailable = 'service_unavailable',
  /** Cache-Control: only-if-cached and nothing cached answers the request (RFC 9111: 504). */
  NotCached = 'not_cached',
  Internal = 'internal_error',
}

export type OpenAIErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'insufficient_quota'
  | 'api_error'
  | 'server_error';

export interface ErrorShape {
  status: number;
  type: OpenAIErrorType;
}

/** The one table from error code to HTTP status and OpenAI error type (exhaustive). */
export function errorShape(code: ErrorCode): ErrorShape {
  switch (code) {
    case ErrorCode.InvalidJson:
    case ErrorCode.InvalidRequest:
    case ErrorCode.ValidationFailed:
    case ErrorCode.UnsupportedParameter:
    case ErrorCode.ContextLengthExceeded:
    case ErrorCode.ContentPolicyViolation:
    case ErrorCode.PolicyViolation:
    case ErrorCode.ProviderBadRequest:
      return { status: 400, type: 'invalid_request_error' };
    case ErrorCode.InvalidApiKey:
      return { status: 401, type: 'authentication_error' };
    case ErrorCode.TenantSuspended:
    case ErrorCode.PermissionDenied:
      return { status: 403, type: 'permission_error' };
    case ErrorCode.ModelNotFound:
    case ErrorCode.NotFound:
      return { status: 404, type: 'not_found_error' };
    case ErrorCode.MethodNotAllowed:
      return { status: 405, type: 'invalid_request_error' };
    case ErrorCode.Conflict:
      return { status: 409, type: 'invalid_request_error' };
    case ErrorCode.PayloadTooLarge:
      return { status: 413, type: 'invalid_request_error' };
    case ErrorCode.RateLimited:
    case ErrorCode.ConcurrencyLimited:
    case ErrorCode.ProviderRateLimited:
      return { status: 429, type: 'rate_limit_error' };
    case ErrorCode.BudgetExceeded:
      return { status: 429, type: 'insufficient_quota' };
    case ErrorCode.ProviderAuthFailed:
    case ErrorCode.ProviderUnavailable:
    case ErrorCode.ProviderStreamError:
      return { status: 502, type: 'api_error' };
    case ErrorCode.NoProviderAvailable:
    case ErrorCode.ServiceUnavailable:
      return { status: 503, type: 'api_error' };
    case ErrorCode.ProviderTimeout:
    case ErrorCode.NotCached:
      return { status: 504, type: 'api_error' };
    case ErrorCode.Internal:
      return { status: 500, type: 'server_error' };
  }
}

export interface GatewayErrorOptions {
  param?: string | null;
  /** Overrides the table's status (e.g. an upstream 400 vs 422 passed through). */
  status?: number;
  /** Seconds; sent as the retry-after header. */
  retryAfter?: number;
  headers?: Record<string, string>;
  cause?: unknown;
  /** The upstream provider's own request id, shown as `error.upstream_request_id` (support tickets). */
  upstreamRequestId?: string;
}

export class GatewayError extends Error {
  readonly status: number;
  readonly type: OpenAIErrorType;
  readonly param: string | null;
  readonly retryAfter?: number;
  readonly headers: Record<string, string>;
  /** Set from the upstream's response (headers or body) when it sent one. */
  upstreamRequestId?: string;
  /**
   * Extra top-level fields of the error body, beside `error` (e.g. `router_metadata` once the
   * request was classified and routed).
   */
  bodyExtras: Record<string, unknown> = {};

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: GatewayErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    const shape = errorShape(code);
    this.status = options.status ?? shape.status;
    this.type = shape.type;
    this.param = options.param ?? null;
    this.retryAfter = options.retryAfter;
    this.headers = options.headers ?? {};
    this.upstreamRequestId = options.upstreamRequestId;
  }

  toBody(): OpenAIErrorBody {
    const error: OpenAIErrorBody['error'] = {
      message: this.message,
      type: this.type,
      param: this.param,
      code: this.code,
    };
    if (this.upstreamRequestId !== undefined) error.upstream_request_id = this.upstreamRequestId;
    return { error };
  }
}

export interface OpenAIErrorBody {
  error: {
    message: string;
    type: OpenAIErrorType;
    param: string | null;
    code: string | null;
    upstream_request_id?: string;
  };
  [extra: string]: unknown;
}
