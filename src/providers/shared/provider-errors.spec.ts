import { ErrorCode } from '../../common/errors';
import { ProviderError } from '../provider.types';
import { readOpenAIStyleError } from '../openai-compatible/openai-compatible.errors';
import { fixtureJson } from '../../../test/fixtures/providers/load';
import {
  parseRetryAfterMs,
  providerErrorFromStatus,
  providerErrorFromTransport,
  upstreamErrorLogFields,
  upstreamStreamError,
} from './provider-errors';

/** What an upstream behind a misconfigured proxy really answered (audit of issue 11). */
const LEAKY =
  'connection to db-primary.internal:5432 failed: FATAL password authentication failed (password=Sup3rS3cret!) ' +
  'via http://10.2.3.4:8080/internal/route, key sk-proj-AbCdEfGhIjKlMnOpQrStUvWx';

function expectNoLeak(text: string): void {
  for (const secret of [
    'db-primary',
    '5432',
    'Sup3rS3cret',
    '10.2.3.4',
    'internal/route',
    'sk-proj',
    'AbCdEf',
  ])
    expect(text).not.toContain(secret);
}

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

describe('providerErrorFromStatus: upstream text is untrusted', () => {
  it('answers 5xx, 404, 408, 409, 413 and 429 with our own words, keeping the upstream request id', () => {
    for (const status of [500, 502, 503, 529, 404, 408, 409, 413, 429, 402, 451]) {
      const error = providerErrorFromStatus(
        'openai',
        status,
        { message: LEAKY, type: 'server_error', requestId: 'req_abc123' },
        undefined,
      );
      expectNoLeak(error.message);
      expect(error.message).toContain(`HTTP ${status}`);
      expect(error.upstreamRequestId).toBe('req_abc123');
      expect(error.toBody().error.upstream_request_id).toBe('req_abc123');
    }
  });

  it('shows a 400/422 message scrubbed and capped, with the parameter it names', () => {
    const error = providerErrorFromStatus(
      'mistral',
      422,
      { message: `temperature: must be <= 1. ${LEAKY} ${'x '.repeat(500)}`, param: 'temperature' },
      undefined,
    );
    expect(error.status).toBe(400);
    expect(error.message.startsWith('mistral: temperature: must be <= 1.')).toBe(true);
    expectNoLeak(error.message);
    expect(error.message).toContain('[host]');
    expect(error.message).toContain('password=[redacted]');
    expect(error.message.length).toBeLessThanOrEqual('mistral: '.length + 300);
    expect(error.param).toBe('temperature');
  });

  it('drops a param that is not a parameter name, and an empty message gets ours', () => {
    const error = providerErrorFromStatus(
      'openai',
      400,
      { message: '   ', param: 'see http://10.0.0.1/x' },
      undefined,
    );
    expect(error.param).toBeNull();
    expect(error.message).toBe('openai refused the request as invalid (HTTP 400).');
  });

  it('ignores a request id that is not an identifier', () => {
    const error = providerErrorFromStatus(
      'openai',
      500,
      { message: 'x', requestId: 'id with spaces <b>' },
      undefined,
    );
    expect(error.upstreamRequestId).toBeUndefined();
    expect(error.toBody().error).not.toHaveProperty('upstream_request_id');
  });

  it('logs the scrubbed message and plain identifiers only', () => {
    const fields = upstreamErrorLogFields('anthropic', 500, {
      message: LEAKY,
      type: 'api_error',
      code: 'not an identifier!',
      requestId: 'req_1',
    });
    expectNoLeak(JSON.stringify(fields));
    expect(fields).toMatchObject({
      provider: 'anthropic',
      upstream_status: 500,
      upstream_request_id: 'req_1',
      upstream_type: 'api_error',
      upstream_code: undefined,
    });
  });

  it('names only the type of an error reported inside a stream', () => {
    const error = upstreamStreamError('anthropic', { type: 'overloaded_error' });
    expect(error.message).toBe('anthropic stream failed: the provider reported an error (overloaded_error)');
    expect(upstreamStreamError('openai', { type: LEAKY }).message).toBe(
      'openai stream failed: the provider reported an error',
    );
  });
});

describe('providerErrorFromTransport', () => {
  it('names the error code, never the system message with the upstream address', () => {
    const refused = providerErrorFromTransport(
      'litellm',
      Object.assign(new Error('connect ECONNREFUSED 10.2.3.4:5432'), { code: 'ECONNREFUSED' }),
    );
    expect(refused.message).toBe('could not reach litellm (ECONNREFUSED)');
    const odd = providerErrorFromTransport('litellm', new Error('getaddrinfo ENOTFOUND db-primary.internal'));
    expect(odd.message).toBe('could not reach litellm');
  });

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
