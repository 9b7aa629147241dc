import { ErrorCode, GatewayError } from '../../common/errors';
import { ProviderError } from '../provider.types';
import { ProviderKey } from '../../common/provider-keys';

export interface RetrySettings {
  /** Retries after the first call, per target. */
  max: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * Delay before retry number `retry` (0-based) of the same target, or null for "no retry here".
 * Exponential backoff with equal jitter: half of base·2^retry plus a random half, capped at
 * maxDelayMs. A retry-after from the upstream is the minimum wait; one longer than maxDelayMs
 * means "not worth waiting": the executor falls back to the next target instead.
 */
export function retryDelayMs(
  error: ProviderError,
  retry: number,
  settings: RetrySettings,
  random: () => number,
): number | null {
  if (!error.retryable || retry >= settings.max) return null;
  const ceiling = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** retry);
  const jittered = ceiling / 2 + random() * (ceiling / 2);
  if (error.retryAfterMs === undefined) return jittered;
  if (error.retryAfterMs > settings.maxDelayMs) return null;
  return Math.max(error.retryAfterMs, jittered);
}

/**
 * Whether the next target of the chain is worth trying after this failure. Not when the
 * upstream said the request itself is malformed (another provider would refuse it too, and
 * the client must see that message); yes for everything about this provider or model:
 * credentials, limits, outages, timeouts, a parameter or a context size this model cannot take.
 */
export function canFallBack(error: ProviderError): boolean {
  switch (error.code) {
    case ErrorCode.ProviderBadRequest:
    case ErrorCode.PayloadTooLarge:
    case ErrorCode.InvalidRequest:
      return false;
    default:
      return true;
  }
}

/** Failures that say something about the provider's health (and trip its circuit). */
export function countsAgainstCircuit(error: ProviderError): boolean {
  switch (error.code) {
    case ErrorCode.ProviderUnavailable:
    case ErrorCode.ProviderTimeout:
    case ErrorCode.ProviderRateLimited:
    case ErrorCode.ProviderAuthFailed:
    case ErrorCode.ProviderStreamError:
      return true;
    default:
      return false;
  }
}

/** Anything an adapter threw, as a ProviderError (a bug in translation is not retried). */
export function asProviderError(provider: ProviderKey, error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  if (error instanceof GatewayError) {
    return new ProviderError(provider, error.code, error.message, {
      retryable: false,
      param: error.param,
      status: error.status,
      cause: error,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ProviderError(provider, ErrorCode.Internal, `${provider} adapter failed: ${message}`, {
    retryable: false,
    cause: error,
  });
}
