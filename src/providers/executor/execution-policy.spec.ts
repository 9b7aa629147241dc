import { ErrorCode, GatewayError } from '../../common/errors';
import { ProviderError } from '../provider.types';
import { asProviderError, canFallBack, countsAgainstCircuit, retryDelayMs } from './execution-policy';

const settings = { max: 3, baseDelayMs: 100, maxDelayMs: 1000 };
const retryable = (extra: { retryAfterMs?: number } = {}): ProviderError =>
  new ProviderError('openai', ErrorCode.ProviderUnavailable, 'x', { retryable: true, ...extra });

describe('retryDelayMs', () => {
  it('backs off exponentially with equal jitter, capped', () => {
    expect(retryDelayMs(retryable(), 0, settings, () => 0)).toBe(50);
    expect(retryDelayMs(retryable(), 0, settings, () => 1)).toBe(100);
    expect(retryDelayMs(retryable(), 2, settings, () => 0.5)).toBe(300);
    expect(retryDelayMs(retryable(), 2, { ...settings, maxDelayMs: 200 }, () => 1)).toBe(200);
  });

  it('stops after max retries and for non-retryable errors', () => {
    expect(retryDelayMs(retryable(), 3, settings, () => 0)).toBeNull();
    expect(
      retryDelayMs(
        new ProviderError('openai', ErrorCode.ProviderBadRequest, 'x', { retryable: false }),
        0,
        settings,
        () => 0,
      ),
    ).toBeNull();
  });

  it('waits at least retry-after, and not at all when it exceeds the maximum delay', () => {
    expect(retryDelayMs(retryable({ retryAfterMs: 700 }), 0, settings, () => 0)).toBe(700);
    expect(retryDelayMs(retryable({ retryAfterMs: 10 }), 0, settings, () => 1)).toBe(100);
    expect(retryDelayMs(retryable({ retryAfterMs: 5000 }), 0, settings, () => 0)).toBeNull();
  });
});

describe('fallback and circuit policy', () => {
  const error = (code: ErrorCode): ProviderError =>
    new ProviderError('anthropic', code, 'x', { retryable: false });

  it('falls back on provider problems, not on a request the upstream called malformed', () => {
    for (const code of [
      ErrorCode.ProviderAuthFailed,
      ErrorCode.ProviderRateLimited,
      ErrorCode.ProviderUnavailable,
      ErrorCode.ProviderTimeout,
      ErrorCode.UnsupportedParameter,
      ErrorCode.ContextLengthExceeded,
    ]) {
      expect(canFallBack(error(code))).toBe(true);
    }
    for (const code of [ErrorCode.ProviderBadRequest, ErrorCode.PayloadTooLarge, ErrorCode.InvalidRequest])
      expect(canFallBack(error(code))).toBe(false);
  });

  it('counts only health failures against the circuit', () => {
    expect(countsAgainstCircuit(error(ErrorCode.ProviderUnavailable))).toBe(true);
    expect(countsAgainstCircuit(error(ErrorCode.ProviderAuthFailed))).toBe(true);
    expect(countsAgainstCircuit(error(ErrorCode.ProviderBadRequest))).toBe(false);
    expect(countsAgainstCircuit(error(ErrorCode.UnsupportedParameter))).toBe(false);
  });

  it('wraps anything thrown into a ProviderError', () => {
    const gateway = asProviderError(
      'mistral',
      new GatewayError(ErrorCode.InvalidRequest, 'bad', { param: 'x' }),
    );
    expect([gateway.provider, gateway.code, gateway.param, gateway.retryable]).toEqual([
      'mistral',
      ErrorCode.InvalidRequest,
      'x',
      false,
    ]);
    expect(asProviderError('openai', new TypeError('boom')).code).toBe(ErrorCode.Internal);
  });
});
