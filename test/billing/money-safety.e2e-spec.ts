import { DataSource } from 'typeorm';
import { BudgetEnforcerService } from '../../src/billing/budgets/budget-enforcer.service';
import { UsageRecorderService } from '../../src/billing/usage/usage-recorder.service';
import { bootTestApp, TEST_ADMIN_KEY, type TestApp } from '../support/app';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { createTenantWithKey } from '../support/tenants';

/**
 * Money safety against a hostile or broken upstream (issue 11): whatever usage a provider
 * reports, cost is finite, budgets hold, the client gets its answer and nobody else's
 * accounting is disturbed. Basic mode, embedded database, every provider on the fake upstream.
 */
const admin = { Authorization: `Bearer ${TEST_ADMIN_KEY}` };
const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });
/** gpt-4o: $2.50 / $10 per 1M tokens; 100 output tokens at most. */
const ask = (content: string) => ({
  model: 'gpt-4o',
  max_tokens: 100,
  messages: [{ role: 'user', content }],
});
const GARBAGE_USAGE: unknown[] = [
  {},
  null,
  'many',
  { prompt_tokens: '12', completion_tokens: '40' },
  { prompt_tokens: -5, completion_tokens: -1, total_tokens: -6 },
  { prompt_tokens: 1e308, completion_tokens: Number.MAX_SAFE_INTEGER },
  { prompt_tokens: 10, completion_tokens: 5, prompt_tokens_details: { cached_tokens: -50 } },
];

describe('money safety: garbage usage from the upstream', () => {
  let fake: FakeUpstream;
  let gateway: TestApp;

  beforeAll(async () => {
    fake = await startFakeUpstream();
    gateway = await bootTestApp({ ...fake.env(), TEST_MODE: 'false', ADMIN_API_KEY: TEST_ADMIN_KEY });
  });
  afterAll(async () => {
    await gateway?.close();
    await fake?.close();
  });
  beforeEach(() => fake.reset());

  async function flush(): Promise<void> {
    await gateway.app.get(UsageRecorderService).flush();
    await gateway.app.get(BudgetEnforcerService).flush();
  }

  async function budgetOf(tenantId: string) {
    const response = await gateway.http.get(`/admin/tenants/${tenantId}/budget`).set(admin).expect(200);
    return response.body as { spent_usd: number; reserved_usd: number; limit_usd: number };
  }

  it.each(GARBAGE_USAGE.map((usage) => [JSON.stringify(usage), usage]))(
    'usage %s: 200 with sane usage, a finite cost, flagged as estimated, and recorded',
    async (_name, rawUsage) => {
      const { tenantId, key } = await createTenantWithKey(
        gateway.app.getHttpServer(),
        TEST_ADMIN_KEY,
        `garbage-${Math.random().toString(36).slice(2, 8)}`,
      );
      fake.setDefault({ rawUsage, completionTokens: 20 });
      const response = await gateway.http
        .post('/v1/chat/completions')
        .set(bearer(key))
        .send(ask('How are budgets enforced?'))
        .expect(200);
      const { usage, router_metadata: metadata } = response.body;
      for (const count of [usage.prompt_tokens, usage.completion_tokens, usage.total_tokens]) {
        expect(Number.isSafeInteger(count)).toBe(true);
        expect(count).toBeGreaterThanOrEqual(0);
      }
      expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);
      expect(Number.isFinite(metadata.cost_usd)).toBe(true);
      expect(metadata.cost_usd).toBeGreaterThanOrEqual(0);
      await flush();
      const report = await gateway.http.get(`/admin/tenants/${tenantId}/usage`).set(admin).expect(200);
      expect(report.body.totals.requests).toBe(1);
      expect(Math.round(report.body.totals.cost_usd * 1e9)).toBe(Math.round(metadata.cost_usd * 1e9));
    },
  );

  it('flags usage it had to estimate in router_metadata', async () => {
    fake.setDefault({ rawUsage: {} });
    const response = await gateway.http
      .post('/v1/chat/completions')
      .set(bearer((await tenant('flagged')).key))
      .send(ask('hello'))
      .expect(200);
    expect(response.body.router_metadata.usage_estimated).toBe(true);
    fake.setDefault({});
    const honest = await gateway.http
      .post('/v1/chat/completions')
      .set(bearer((await tenant('honest')).key))
      .send(ask('hello'))
      .expect(200);
    expect(honest.body.router_metadata.usage_estimated).toBeUndefined();
  });

  it('a budget holds after garbage usage: no NaN in the lease, no overspend, bystanders settle', async () => {
    const victim = await tenant('victim');
    const bystander = await tenant('bystander');
    for (const { tenantId } of [victim, bystander]) {
      await gateway.http
        .put(`/admin/tenants/${tenantId}/budget`)
        .set(admin)
        .send({ limit_usd: 0.01, period: 'daily' })
        .expect(200);
    }
    // Each call really costs ≈ $0.00103 (≈ 10 prompt + 100 completion tokens of gpt-4o).
    fake.enqueue({ rawUsage: {} });
    fake.setDefault({ usage: { prompt: 10, completion: 100 } });
    let admitted = 0;
    let bystanderSpentNano = 0;
    for (let i = 0; i < 30; i++) {
      const response = await gateway.http
        .post('/v1/chat/completions')
        .set(bearer(victim.key))
        .send(ask(`question ${i}`));
      expect([200, 429]).toContain(response.status);
      if (response.status === 200) admitted++;
      const other = await gateway.http
        .post('/v1/chat/completions')
        .set(bearer(bystander.key))
        .send(ask(`other ${i}`));
      if (other.status === 200) bystanderSpentNano += Math.round(other.body.router_metadata.cost_usd * 1e9);
    }
    await flush();
    const spent = await budgetOf(victim.tenantId);
    expect(Number.isFinite(spent.spent_usd)).toBe(true);
    // One request's true upper bound: prompt ≤ a few hundred tokens + 100 output tokens.
    expect(spent.spent_usd).toBeLessThanOrEqual(0.01 + 0.002);
    expect(admitted).toBeLessThan(12);
    const other = await budgetOf(bystander.tenantId);
    expect(Math.round(other.spent_usd * 1e9)).toBe(bystanderSpentNano);
    expect(other.reserved_usd).toBe(0);
    const counters: Array<{ spent_nano: string; reserved_nano: string }> = await gateway.app
      .get(DataSource)
      .query(`SELECT spent_nano, reserved_nano FROM budget_counters`);
    for (const row of counters) {
      expect(Number.isFinite(Number(row.spent_nano))).toBe(true);
      expect(Number.isFinite(Number(row.reserved_nano))).toBe(true);
    }
  });

  it('garbage usage at the end of a stream: the stream completes and the cost is finite', async () => {
    const { tenantId, key } = await tenant('streamer');
    fake.setDefault({ rawUsage: { prompt_tokens: -1, completion_tokens: 'x' } });
    const response = await gateway.http
      .post('/v1/chat/completions')
      .set(bearer(key))
      .send({ ...ask('stream please'), stream: true, stream_options: { include_usage: true } })
      .expect(200);
    const events = response.text
      .split('\n\n')
      .filter((line) => line.startsWith('data: '))
      .map((line) => line.slice(6));
    expect(events[events.length - 1]).toBe('[DONE]');
    const usageChunk = JSON.parse(events[events.length - 2]);
    expect(usageChunk.usage.prompt_tokens).toBeGreaterThan(0);
    expect(Number.isFinite(usageChunk.router_metadata.cost_usd)).toBe(true);
    await flush();
    const report = await gateway.http.get(`/admin/tenants/${tenantId}/usage`).set(admin).expect(200);
    expect(report.body.totals.cost_usd).toBeGreaterThan(0);
  });

  function tenant(name: string) {
    return createTenantWithKey(
      gateway.app.getHttpServer(),
      TEST_ADMIN_KEY,
      `${name}-${Math.random().toString(36).slice(2, 8)}`,
    );
  }
});

describe('money safety: a client that abandons a call in flight', () => {
  let fake: FakeUpstream;
  let gateway: TestApp;

  beforeAll(async () => {
    fake = await startFakeUpstream();
    gateway = await bootTestApp(
      { ...fake.env(), TEST_MODE: 'false', ADMIN_API_KEY: TEST_ADMIN_KEY, PROVIDER_MAX_RETRIES: '0' },
      { listen: true },
    );
  });
  afterAll(async () => {
    await gateway?.close();
    await fake?.close();
  });

  it('settles a non-stream call at the estimate (the provider may still bill it), not at 0', async () => {
    const { tenantId, key } = await createTenantWithKey(gateway.url, TEST_ADMIN_KEY, 'quitter');
    await gateway.http
      .put(`/admin/tenants/${tenantId}/budget`)
      .set(admin)
      .send({ limit_usd: 1, period: 'daily' })
      .expect(200);
    fake.setDefault({ latencyMs: 5_000 });
    const controller = new AbortController();
    const call = fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...bearer(key), 'content-type': 'application/json' },
      body: JSON.stringify(ask('Write a long essay about budgets.')),
      signal: controller.signal,
    });
    await fake.waitFor(() => fake.requests.length === 1);
    controller.abort();
    await expect(call).rejects.toThrow();
    await fake.waitFor(() => fake.requests[0].aborted);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await gateway.app.get(UsageRecorderService).flush();
    await gateway.app.get(BudgetEnforcerService).flush();
    const report = await gateway.http.get(`/admin/tenants/${tenantId}/usage`).set(admin).expect(200);
    expect(report.body.totals).toMatchObject({ requests: 1, errors: 1, completion_tokens: 100 });
    const costNano = Math.round(report.body.totals.cost_usd * 1e9);
    // gpt-4o: the prompt estimate at $2.50/M plus the 100 allowed output tokens at $10/M.
    const promptTokens = report.body.totals.prompt_tokens;
    expect(promptTokens).toBeGreaterThan(0);
    expect(costNano).toBe(promptTokens * 2_500 + 100 * 10_000);
    const budget = await gateway.http.get(`/admin/tenants/${tenantId}/budget`).set(admin).expect(200);
    expect(Math.round(budget.body.spent_usd * 1e9)).toBe(costNano);
  });
});
