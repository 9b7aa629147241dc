import { ErrorCode } from '../../common/errors';
import { ProviderError } from '../provider.types';
import { readOpenAIStyleError } from '../openai-compatible/openai-compatible.errors';
import { fixtureJson } from '../../../test/fixtures/providers/load';
import { parseRetryAfterMs, providerErrorFromStatus, providerErrorFromTransport } from './provider-errors';

describe('parseRetryAfterMs', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');

  it('prefers retry-after-ms, then retry-after seconds, then an HTTP date', () => {
    expect(parseRetryAfterMs({ 'retry-after-ms': '1500', 'retry-after': '9' }, now)).toBe(1500);
    expect(parseRetryAfterMs({ 'retry-after': '2' }, now)).toBe(2000);
    expect(parseRetryAfterMs({ 'retry-after': '0.5' }, now)).toBe(500);
    expect(parseRetryAfterMs({ 'retry-after': 'Wed, 01 Jan 2025 00:00:03 GMT' }, now)).toBe(3000);
  });

  it('ignores absent or unreadable values', () => {
    expect(parseRetryAfterMs({}, now)).toBeUndefined();
    expect(parseRetryAfterMs({ 'retry-after': 'soon' }, now)).toBeUndefined();
    expect(parseRetryAfterMs({ 'retry-after': '-3' }, now)).toBeUndefined();
  });
});

describe('providerErrorFromStatus', () => {
  it('maps 401/403 to a 502 provider_auth_failed naming the provider, without echoing the upstream message', () => {
    const info = readOpenAIStyleError(fixtureJson('openai/error-401.json'), 401);
    const error = providerErrorFromStatus('openai', 401, info, undefined);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.code).toBe(ErrorCode.ProviderAuthFailed);
    expect(error.status).toBe(502);
    expect(error.message).toContain('openai');
    expect(error.message).not.toContain('sk-proj');
    expect(error.retryable).toBe(false);
    expect(providerErrorFromStatus('anthropic', 403, { message: 'x' }, undefined).code).toBe(
      ErrorCode.ProviderAuthFailed,
    );
  });

  it('passes a 400 message through as provider_bad_request', () => {
    const error = providerErrorFromStatus(
      'mistral',
      422,
      { message: 'stop: bad value', param: 'stop' },
      undefined,
    );
    expect(error.code).toBe(ErrorCode.ProviderBadRequest);
    expect(error.status).toBe(400);
    expect(error.message).toBe('mistral: stop: bad value');
    expect(error.param).toBe('stop');
    expect(error.retryable).toBe(false);
  });

  it('keeps retry-after on 429 and marks it retryable, except quota exhaustion', () => {
    const limited = providerErrorFromStatus(
      'openai',
      429,
      { message: 'slow down', code: 'rate_limit_exceeded' },
      1200,
      {
        quotaCodes: ['insufficient_quota'],
      },
    );
    expect(limited.code).toBe(ErrorCode.ProviderRateLimited);
    expect(limited.status).toBe(429);
    expect(limited.retryable).toBe(true);
    expect(limited.retryAfterMs).toBe(1200);
    expect(limited.retryAfter).toBe(2);
    const info = readOpenAIStyleError(fixtureJson('openai/error-429-quota.json'), 429);
    const quota = providerErrorFromStatus('openai', 429, info, undefined, {
      quotaCodes: ['insufficient_quota'],
    });
    expect(quota.code).toBe(ErrorCode.ProviderRateLimited);
    expect(quota.retryable).toBe(false);
  });

  it('recognizes context-length errors by code', () => {
    const info = readOpenAIStyleError(fixtureJson('openai/error-400-context.json'), 400);
    const error = providerErrorFromStatus('openai', 400, info, undefined, {
      contextLengthCodes: ['context_length_exceeded'],
    });
    expect(error.code).toBe(ErrorCode.ContextLengthExceeded);
    expect(error.param).toBe('messages');
  });

  it('makes 5xx, 529, 408 and 409 retryable; 404 and 413 not', () => {
    for (const status of [500, 502, 503, 529, 409]) {
      const error = providerErrorFromStatus('anthropic', status, { message: 'x' }, undefined);
      expect([error.code, error.retryable]).toEqual([ErrorCode.ProviderUnavailable, true]);
    }
    expect(providerErrorFromStatus('openai', 408, { message: 'x' }, undefined).code).toBe(
      ErrorCode.ProviderTimeout,
    );
    const missing = providerErrorFromStatus('openai', 404, { message: 'no such model' }, undefined);
    expect([missing.code, missing.status, missing.retryable]).toEqual([
      ErrorCode.ProviderUnavailable,
      502,
      false,
    ]);
    expect(providerErrorFromStatus('anthropic', 413, { message: 'big' }, undefined).code).toBe(
      ErrorCode.PayloadTooLarge,
    );
  });
});

describe('providerErrorFromTransport', () => {
  it('maps undici timeouts to retryable provider_timeout', () => {
    for (const code of ['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']) {
      const error = providerErrorFromTransport('openai', Object.assign(new Error('timeout'), { code }));
      expect([error.code, error.retryable]).toEqual([ErrorCode.ProviderTimeout, true]);
    }
  });

  it('maps connection errors to retryable provider_unavailable and keeps ProviderErrors as they are', () => {
    const refused = providerErrorFromTransport(
      'mistral',
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    );
    expect([refused.code, refused.retryable]).toEqual([ErrorCode.ProviderUnavailable, true]);
    expect(refused.message).toContain('ECONNREFUSED');
    const own = new ProviderError('openai', ErrorCode.ProviderTimeout, 'total', { retryable: true });
    expect(providerErrorFromTransport('openai', own)).toBe(own);
  });
});
