import { request as httpRequest, type IncomingMessage } from 'node:http';
import { TenantConcurrency } from '../../src/chat/tenant-concurrency';
import { UsageRecorderService } from '../../src/billing/usage/usage-recorder.service';
import { bootTestApp, TEST_ADMIN_KEY, type TestApp } from '../support/app';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { createTenantWithKey } from '../support/tenants';

/**
 * Fairness between tenants (issue 11): a client that stops reading a stream is cut off after
 * STREAM_WRITE_STALL_TIMEOUT_MS (the upstream call is aborted and settled), and one tenant
 * cannot hold more than TENANT_MAX_IN_FLIGHT requests / TENANT_MAX_STREAMS streams at once.
 */
const admin = { Authorization: `Bearer ${TEST_ADMIN_KEY}` };

function openStream(url: string, key: string, body: object): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      new URL('/v1/chat/completions', url),
      {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      },
      resolve,
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

const streamBody = (content: string) => ({
  model: 'gpt-4o-mini',
  stream: true,
  messages: [{ role: 'user', content }],
});

describe('fairness under slow clients', () => {
  let fake: FakeUpstream;
  let gateway: TestApp;

  beforeAll(async () => {
    fake = await startFakeUpstream({ record: true });
    gateway = await bootTestApp(
      {
        ...fake.env(),
        TEST_MODE: 'false',
        ADMIN_API_KEY: TEST_ADMIN_KEY,
        PROVIDER_MAX_RETRIES: '0',
        STREAM_WRITE_STALL_TIMEOUT_MS: '300',
        TENANT_MAX_STREAMS: '2',
        TENANT_MAX_IN_FLIGHT: '3',
        RATE_LIMIT_RPM: '0',
      },
      { listen: true },
    );
  });
  afterAll(async () => {
    await gateway?.close();
    await fake?.close();
  });
  beforeEach(() => fake.reset());

  it('cuts off a client that stops reading: upstream aborted, usage settled as 499, slot given back', async () => {
    const { tenantId, key } = await createTenantWithKey(gateway.url, TEST_ADMIN_KEY, 'stalled');
    // ≈ 24 MB over ≈ 10 s: the socket buffers between the gateway and the client (≈ 4 MB) fill
    // within a few seconds, long before the upstream has finished.
    fake.setDefault({ completionTokens: 2_000_000, chunkWords: 2_000, chunkDelayMs: 10 });
    const response = await openStream(gateway.url, key, streamBody('Tell me everything.'));
    expect(response.statusCode).toBe(200);
    response.pause(); // never read again
    const concurrency = gateway.app.get(TenantConcurrency);
    await fake.waitFor(() => fake.requests.length === 1 && fake.requests[0].aborted, 15_000);
    expect(fake.requests[0].completed).toBe(false);
    await fake.waitFor(() => concurrency.inFlight(tenantId).streams === 0, 5_000);
    response.destroy();
    await gateway.app.get(UsageRecorderService).flush();
    const report = await gateway.http.get(`/admin/tenants/${tenantId}/usage`).set(admin).expect(200);
    expect(report.body.totals.requests).toBe(1);
    expect(report.body.totals.errors).toBe(1);
    // What was relayed before the cut is billed (estimated from the text seen).
    expect(report.body.totals.completion_tokens).toBeGreaterThan(0);
  });

  it('refuses a tenant’s third concurrent stream with 429 concurrency_limit_exceeded; others are not affected', async () => {
    const busy = await createTenantWithKey(gateway.url, TEST_ADMIN_KEY, 'busy');
    const other = await createTenantWithKey(gateway.url, TEST_ADMIN_KEY, 'other');
    fake.setDefault({ completionTokens: 40, chunkWords: 1, chunkDelayMs: 50 });
    const open = await Promise.all([
      openStream(gateway.url, busy.key, streamBody('one')),
      openStream(gateway.url, busy.key, streamBody('two')),
    ]);
    expect(open.map((r) => r.statusCode)).toEqual([200, 200]);
    const third = await gateway.http
      .post('/v1/chat/completions')
      .set({ authorization: `Bearer ${busy.key}` })
      .send(streamBody('three'));
    expect(third.status).toBe(429);
    expect(third.headers['retry-after']).toBe('1');
    expect(third.body.error).toMatchObject({ type: 'rate_limit_error', code: 'concurrency_limit_exceeded' });
    const bystander = await gateway.http
      .post('/v1/chat/completions')
      .set({ authorization: `Bearer ${other.key}` })
      .send(streamBody('me too'));
    expect(bystander.status).toBe(200);
    // When the streams end, the slots are free again.
    await Promise.all(open.map((r) => new Promise((resolve) => r.resume().on('end', resolve))));
    const concurrency = gateway.app.get(TenantConcurrency);
    await fake.waitFor(() => concurrency.inFlight(busy.tenantId).requests === 0, 5_000);
    const again = await gateway.http
      .post('/v1/chat/completions')
      .set({ authorization: `Bearer ${busy.key}` })
      .send(streamBody('four'));
    expect(again.status).toBe(200);
  });

  it('caps a tenant’s requests in flight (non-stream too), and gives the slot back after errors', async () => {
    const { tenantId, key } = await createTenantWithKey(gateway.url, TEST_ADMIN_KEY, 'parallel');
    fake.setDefault({ latencyMs: 400 });
    const send = () =>
      gateway.http
        .post('/v1/chat/completions')
        .set({ authorization: `Bearer ${key}` })
        .send({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    const statuses = (await Promise.all(Array.from({ length: 5 }, send))).map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    fake.setDefault({ status: 500 });
    for (let i = 0; i < 4; i++) expect((await send()).status).toBe(502);
    expect(gateway.app.get(TenantConcurrency).inFlight(tenantId)).toEqual({ requests: 0, streams: 0 });
  });
});
