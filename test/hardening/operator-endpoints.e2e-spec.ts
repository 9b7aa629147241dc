import { bootTestApp, TEST_ADMIN_KEY, TestApp } from '../support/app';

/** Booting a gateway on the embedded database takes a while on a busy 2-core machine. */
const BOOT_TIMEOUT_MS = 90_000;

/**
 * Issue 11: what the operator endpoints show to anyone. Decided (docs/security.md):
 * - /metrics/prometheus needs `Authorization: Bearer $METRICS_TOKEN` when METRICS_TOKEN is set,
 *   and is public otherwise (scraped from inside the cluster; it names no tenant);
 * - /health/ready shows only the status to anyone (probes need nothing more); the checks'
 *   details need METRICS_TOKEN or ADMIN_API_KEY;
 * - a wrong token is a 401 counted by the authentication-failure throttle.
 */
const METRICS_TOKEN = 'metrics-token-0123456789abcdef';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

function expectInvalidKey(response: { status: number; body: unknown }): void {
  expect(response.status).toBe(401);
  expect(response.body).toEqual({
    error: expect.objectContaining({ type: 'authentication_error', code: 'invalid_api_key', param: null }),
  });
}

describe('with METRICS_TOKEN and ADMIN_API_KEY', () => {
  let gateway: TestApp;

  beforeAll(async () => {
    gateway = await bootTestApp({
      METRICS_TOKEN,
      ADMIN_API_KEY: TEST_ADMIN_KEY,
      AUTH_FAILURE_LIMIT: '3',
      TRUST_PROXY: 'loopback',
    });
  }, BOOT_TIMEOUT_MS);
  afterAll(async () => gateway?.close());

  it('serves /metrics/prometheus only with the token', async () => {
    expectInvalidKey(await gateway.http.get('/metrics/prometheus'));
    expectInvalidKey(await gateway.http.get('/metrics/prometheus').set(bearer('not-the-metrics-token')));
    expectInvalidKey(await gateway.http.get('/metrics/prometheus').set(bearer(TEST_ADMIN_KEY)));
    const ok = await gateway.http.get('/metrics/prometheus').set(bearer(METRICS_TOKEN)).expect(200);
    expect(ok.text).toContain('process_cpu_user_seconds_total');
    expect(ok.text).toContain('modelmuxer_auth_failures_total{outcome="refused"}');
  });

  it('shows /health/ready details to the metrics token or the admin key, the status to anyone', async () => {
    expect((await gateway.http.get('/health/ready').expect(200)).body).toEqual({ status: 'ok' });
    for (const token of [METRICS_TOKEN, TEST_ADMIN_KEY]) {
      const detailed = await gateway.http.get('/health/ready').set(bearer(token)).expect(200);
      expect(detailed.body.details).toEqual(
        expect.objectContaining({
          database: { status: 'up' },
          providers: expect.objectContaining({ status: 'up' }),
        }),
      );
    }
    expectInvalidKey(await gateway.http.get('/health/ready').set(bearer('a-wrong-token-0123456789')));
  });

  it('throttles guesses of the metrics token per address', async () => {
    const guess = (token: string, from = '203.0.113.90') =>
      gateway.http.get('/metrics/prometheus').set(bearer(token)).set('x-forwarded-for', from);
    for (let i = 0; i < 3; i++) expect((await guess(`guess-${i}-0123456789abcdef`)).status).toBe(401);
    const throttled = await guess(METRICS_TOKEN);
    expect([throttled.status, throttled.body.error.code]).toEqual([429, 'rate_limit_exceeded']);
    expect(throttled.headers['retry-after']).toBeDefined();
    expect((await guess(METRICS_TOKEN, '198.51.100.90')).status).toBe(200);
  });
});

describe('without METRICS_TOKEN, and not ready', () => {
  let gateway: TestApp;

  beforeAll(async () => {
    // No TEST_MODE and no provider credentials: the providers check fails.
    gateway = await bootTestApp({ TEST_MODE: 'false' });
  }, BOOT_TIMEOUT_MS);
  afterAll(async () => gateway?.close());

  it('keeps /metrics/prometheus public', async () => {
    await gateway.http.get('/metrics/prometheus').expect(200);
  });

  it('answers 503 with the status only: no check names, no dependency messages', async () => {
    const ready = await gateway.http.get('/health/ready').expect(503);
    expect(ready.body).toEqual({
      error: { message: 'Not ready.', type: 'api_error', param: null, code: 'service_unavailable' },
      status: 'error',
    });
    // Without any operator credential configured, a presented one changes nothing.
    const again = await gateway.http.get('/health/ready').set(bearer('some-token-0123456789')).expect(503);
    expect(again.body).not.toHaveProperty('details');
  });
});
