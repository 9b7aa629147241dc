import { ErrorCode } from '../../common/errors';
import { ProviderError } from '../provider.types';
import { ProviderKey } from '../../common/provider-keys';
import { safeIdentifier, safeParam, safeRequestId, scrubUpstreamText } from './upstream-text';

/**
 * The parts of an upstream error body that matter, extracted by each provider's
 * `<name>.errors.ts` from its own wire format. Classification uses status, type and code —
 * never the message text.
 */
export interface UpstreamErrorInfo {
  message: string;
  /** Provider error type (OpenAI `error.type`, Anthropic `error.type`, ...). */
  type?: string;
  /** Provider error code (OpenAI `error.code`, Mistral `code`, ...). */
  code?: string;
  /** The parameter the provider blamed, when it said. */
  param?: string;
  /** The upstream's own request id (body `request_id`, or its response headers). */
  requestId?: string;
}

/** Header lookup that works for undici's and node:http's header records. */
export type HeaderRecord = Record<string, string | string[] | undefined>;

function headerValue(headers: HeaderRecord, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Reads how long the upstream asked us to wait: `retry-after-ms` (OpenAI) wins over
 * `retry-after` (seconds or an HTTP date). Returns milliseconds, or undefined.
 */
export function parseRetryAfterMs(headers: HeaderRecord, now: number = Date.now()): number | undefined {
  const ms = headerValue(headers, 'retry-after-ms');
  if (ms !== undefined) {
    const value = Number(ms);
    if (Number.isFinite(value) && value >= 0) return Math.round(value);
  }
  const raw = headerValue(headers, 'retry-after');
  if (raw === undefined || raw.trim() === '') return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return seconds >= 0 ? Math.round(seconds * 1000) : undefined;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Per-provider refinements of the status table (e.g. OpenAI's quota 429 is not retryable). */
export interface StatusOverrides {
  /** Codes/types whose 429 means "out of money", not "slow down": not retried (fallback still happens). */
  quotaCodes?: readonly string[];
  /** Codes/types that mean the prompt does not fit the model's context window. */
  contextLengthCodes?: readonly string[];
}

const NO_OVERRIDES: StatusOverrides = {};

function matches(info: UpstreamErrorInfo, list: readonly string[] | undefined): boolean {
  if (!list) return false;
  return (
    (info.code !== undefined && list.includes(info.code)) ||
    (info.type !== undefined && list.includes(info.type))
  );
}

/** The upstream's message as a client may see it (400/422 only): scrubbed and capped. */
function clientVisibleMessage(provider: ProviderKey, status: number, info: UpstreamErrorInfo): string {
  const scrubbed = scrubUpstreamText(info.message);
  return scrubbed.length > 0
    ? `${provider}: ${scrubbed}`
    : `${provider} refused the request as invalid (HTTP ${status}).`;
}

/** Our own words for a failure whose upstream message is not shown (see providerErrorFromStatus). */
function ownMessage(provider: ProviderKey, status: number, quota: boolean): string {
  if (status === 429) {
    return quota
      ? `${provider} refused the request: the gateway's quota with ${provider} is exhausted (HTTP 429).`
      : `${provider} is rate limiting the gateway (HTTP 429).`;
  }
  if (status === 408) return `${provider} timed out (HTTP 408).`;
  if (status === 404) return `${provider} does not serve the requested model (HTTP 404).`;
  if (status === 413) return `${provider} refused the request as too large (HTTP 413).`;
  if (status === 409 || status >= 500) return `${provider} is unavailable (HTTP ${status}).`;
  return `${provider} refused the request (HTTP ${status}).`;
}

/**
 * The one table from an upstream HTTP error to a ProviderError. What the client reads is ours:
 * the upstream's message is shown only for 400/422 (it names the bad parameter), scrubbed of
 * host names, addresses, URLs and credentials and capped (scrubUpstreamText); every other
 * status gets our own message. The upstream's request id, when it sent one, is kept
 * (`error.upstream_request_id`).
 * - 400/422 → provider_bad_request (400), or context_length_exceeded when the code says so;
 * - 401/403 → provider_auth_failed (502): ModelMuxer's own provider key is wrong — never a 401
 *   that would blame the client's key;
 * - 404 → provider_unavailable (502): the upstream model id does not exist there (catalog issue);
 * - 408 → provider_timeout, 409/5xx/529 → provider_unavailable: retryable;
 * - 413 → payload_too_large;
 * - 429 → provider_rate_limited with retry-after kept (retryable unless it is a quota error);
 * - any other 4xx → provider_bad_request (400) with our own message.
 */
// eslint-disable-next-line max-lines-per-function -- a table: one branch per upstream status class (listed above)
export function providerErrorFromStatus(
  provider: ProviderKey,
  status: number,
  info: UpstreamErrorInfo,
  retryAfterMs: number | undefined,
  overrides: StatusOverrides = NO_OVERRIDES,
): ProviderError {
  const base = { upstreamStatus: status, upstreamRequestId: safeRequestId(info.requestId) };
  if (status === 401 || status === 403) {
    return new ProviderError(
      provider,
      ErrorCode.ProviderAuthFailed,
      `The ${provider} provider rejected ModelMuxer's credentials (HTTP ${status}); check the ${provider} API key configured on the gateway.`,
      { ...base, retryable: false },
    );
  }
  if (status === 429) {
    const quota = matches(info, overrides.quotaCodes);
    return new ProviderError(provider, ErrorCode.ProviderRateLimited, ownMessage(provider, status, quota), {
      ...base,
      retryable: !quota,
      retryAfterMs,
      retryAfter: retryAfterMs === undefined ? undefined : Math.max(1, Math.ceil(retryAfterMs / 1000)),
    });
  }
  if (status === 408) {
    return new ProviderError(provider, ErrorCode.ProviderTimeout, ownMessage(provider, status, false), {
      ...base,
      retryable: true,
      retryAfterMs,
    });
  }
  if (status === 409 || status >= 500) {
    return new ProviderError(provider, ErrorCode.ProviderUnavailable, ownMessage(provider, status, false), {
      ...base,
      retryable: true,
      retryAfterMs,
    });
  }
  if (status === 404) {
    return new ProviderError(provider, ErrorCode.ProviderUnavailable, ownMessage(provider, status, false), {
      ...base,
      retryable: false,
    });
  }
  if (status === 413) {
    return new ProviderError(provider, ErrorCode.PayloadTooLarge, ownMessage(provider, status, false), {
      ...base,
      retryable: false,
    });
  }
  const shown = status === 400 || status === 422;
  if (shown && matches(info, overrides.contextLengthCodes)) {
    return new ProviderError(
      provider,
      ErrorCode.ContextLengthExceeded,
      clientVisibleMessage(provider, status, info),
      { ...base, retryable: false, param: safeParam(info.param) ?? 'messages' },
    );
  }
  return new ProviderError(
    provider,
    ErrorCode.ProviderBadRequest,
    shown ? clientVisibleMessage(provider, status, info) : ownMessage(provider, status, false),
    { ...base, retryable: false, status: 400, param: (shown ? safeParam(info.param) : undefined) ?? null },
  );
}

/**
 * What the log may say about an upstream error response: the same scrubbed, capped message and
 * the provider's type/code only when they are plain identifiers. Never the raw body.
 */
export function upstreamErrorLogFields(
  provider: ProviderKey,
  status: number,
  info: UpstreamErrorInfo,
): Record<string, unknown> {
  return {
    provider,
    upstream_status: status,
    upstream_request_id: safeRequestId(info.requestId),
    upstream_type: safeIdentifier(info.type),
    upstream_code: safeIdentifier(info.code),
    upstream_message: scrubUpstreamText(info.message),
  };
}

const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);

/**
 * A failure on the way to (or back from) the upstream, before or without an HTTP status:
 * timeouts and connection errors are retryable. The message names the provider and the error
 * code (ECONNREFUSED, UND_ERR_SOCKET…), never the system message, which carries the upstream's
 * address. Our own abort reasons are ProviderErrors already (undici rethrows the signal's
 * reason) and pass through unchanged.
 */
export function providerErrorFromTransport(provider: ProviderKey, error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  const raw = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  const code = typeof raw === 'string' ? safeIdentifier(raw) : undefined;
  if (code !== undefined && TIMEOUT_CODES.has(code)) {
    const phase =
      code === 'UND_ERR_CONNECT_TIMEOUT'
        ? 'connecting'
        : code === 'UND_ERR_HEADERS_TIMEOUT'
          ? 'waiting for the first byte'
          : 'waiting for data';
    return new ProviderError(provider, ErrorCode.ProviderTimeout, `${provider} timed out ${phase}`, {
      retryable: true,
      cause: error,
    });
  }
  return new ProviderError(
    provider,
    ErrorCode.ProviderUnavailable,
    `could not reach ${provider}${code === undefined ? '' : ` (${code})`}`,
    {
      retryable: true,
      cause: error,
    },
  );
}

/** The total-time budget ran out (our own timer). */
export function totalTimeoutError(provider: ProviderKey, totalMs: number): ProviderError {
  return new ProviderError(
    provider,
    ErrorCode.ProviderTimeout,
    `${provider} did not finish within ${totalMs} ms`,
    {
      retryable: true,
    },
  );
}

/**
 * The client went away: the upstream request is aborted and nothing is retried. Nobody reads
 * this error; it exists so every layer stops promptly and releases what it holds.
 */
export function clientAbortedError(provider: ProviderKey): ProviderError {
  return new ProviderError(
    provider,
    ErrorCode.ProviderUnavailable,
    `request to ${provider} aborted: the client disconnected`,
    {
      retryable: false,
    },
  );
}

/**
 * A stream that already handed out chunks failed: never retried. `message` is our own text;
 * an error the upstream reported inside the stream goes through upstreamStreamError().
 */
export function streamError(provider: ProviderKey, message: string, cause?: unknown): ProviderError {
  return new ProviderError(provider, ErrorCode.ProviderStreamError, `${provider} stream failed: ${message}`, {
    retryable: false,
    cause,
  });
}

/**
 * An error event inside an upstream stream (Anthropic `event: error`, an OpenAI-style
 * `{"error": …}` chunk): its message is upstream text, so only its type is named.
 */
export function upstreamStreamError(provider: ProviderKey, reported: { type?: unknown }): ProviderError {
  const type = typeof reported.type === 'string' ? safeIdentifier(reported.type) : undefined;
  return streamError(provider, `the provider reported an error${type === undefined ? '' : ` (${type})`}`);
}

/** Upstream answered 2xx with something we cannot read. `what` is our own description (no upstream text). */
export function malformedResponseError(provider: ProviderKey, what: string): ProviderError {
  return new ProviderError(
    provider,
    ErrorCode.ProviderUnavailable,
    `${provider} sent an unreadable response: ${what}`,
    {
      retryable: true,
    },
  );
}

/** A parameter the target provider cannot honour: a clear 400 naming it (never clamped). */
export function unsupportedParameter(provider: ProviderKey, param: string, why: string): ProviderError {
  return new ProviderError(
    provider,
    ErrorCode.UnsupportedParameter,
    `${param} is not supported by ${provider}: ${why}`,
    {
      retryable: false,
      param,
    },
  );
}

/** The request cannot be translated for this provider (bad shape, not a missing feature). */
export function invalidForProvider(provider: ProviderKey, param: string, why: string): ProviderError {
  return new ProviderError(provider, ErrorCode.InvalidRequest, `${param}: ${why}`, {
    retryable: false,
    param,
  });
}

/** Pulls a message out of whatever an upstream put in a string-or-object field. */
export function describeUnknown(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return undefined;
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}
