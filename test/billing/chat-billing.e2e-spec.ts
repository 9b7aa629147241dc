import { UsageRecorderService } from '../../src/billing/usage/usage-recorder.service';
import { BudgetEnforcerService } from '../../src/billing/budgets/budget-enforcer.service';
import { bootTestApp, TEST_ADMIN_KEY, type TestApp } from '../support/app';
import { createTenantWithKey } from '../support/tenants';

/**
 * Billing through the whole gateway (basic mode, TEST_MODE simulator, embedded database): the
 * chat pipeline reserves, settles and records through the billing module, the real exception
 * filter renders its refusals, and ClientAuth() rate-limits per key.
 */
const admin = { Authorization: `Bearer ${TEST_ADMIN_KEY}` };
const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });
const ask = (content: string) => ({ model: 'auto', messages: [{ role: 'user', content }] });

function tenantWithKey(gateway: TestApp, name: string) {
  return createTenantWithKey(gateway.app.getHttpServer(), TEST_ADMIN_KEY, name, { keyName: 'app' });
}

describe('billing through the chat pipeline', () => {
  let gateway: TestApp;

  beforeAll(async () => {
    gateway = await bootTestApp({ ADMIN_API_KEY: TEST_ADMIN_KEY });
  });
  afterAll(async () => gateway?.close());

  it('bills every response: usage totals equal the sum of the cost_usd the responses reported', async () => {
    const { tenantId, key } = await tenantWithKey(gateway, 'billed');
    const prompts = [
      'Hello there!',
      'Write a Python function that reverses a linked list.',
      'What is the integral of x^2 from 0 to 3?',
      'Translate "good morning" into French.',
      'Summarise the plot of Hamlet in two sentences.',
      'Explain TCP slow start.',
    ];
    let sumNano = 0;
    for (const prompt of prompts) {
      const response = await gateway.http
        .post('/v1/chat/completions')
        .set(bearer(key))
        .send(ask(prompt))
        .expect(200);
      expect(response.body.router_metadata.cost_usd).toBeGreaterThan(0);
      sumNano += Math.round(response.body.router_metadata.cost_usd * 1e9);
    }
    await gateway.app.get(UsageRecorderService).flush();
    const usage = await gateway.http
      .get(`/admin/tenants/${tenantId}/usage?group_by=model`)
      .set(admin)
      .expect(200);
    expect(usage.body.totals.requests).toBe(prompts.length);
    expect(Math.round(usage.body.totals.cost_usd * 1e9)).toBe(sumNano);
    expect(usage.body.totals.prompt_tokens).toBeGreaterThan(0);
  });

  it('refuses a request over the tenant budget with 429 insufficient_quota naming the budget', async () => {
    const { tenantId, key } = await tenantWithKey(gateway, 'frugal');
    await gateway.http
      .put(`/admin/tenants/${tenantId}/budget`)
      .set(admin)
      .send({ limit_usd: 0.000001, period: 'daily' })
      .expect(200);
    const refused = await gateway.http
      .post('/v1/chat/completions')
      .set(bearer(key))
      .send(ask('Hello!'))
      .expect(429);
    expect(refused.body.error).toMatchObject({ type: 'insufficient_quota', code: 'budget_exceeded' });
    expect(refused.body.error.message).toMatch(
      /daily budget of tenant "frugal" is \$0\.000001, \$0\.00 spent/,
    );

    await gateway.http
      .put(`/admin/tenants/${tenantId}/budget`)
      .set(admin)
      .send({ limit_usd: 5, period: 'daily' })
      .expect(200);
    const ok = await gateway.http
      .post('/v1/chat/completions')
      .set(bearer(key))
      .send(ask('Hello!'))
      .expect(200);
    // The replica holds a lease of the budget (reserved, not spent): give it back first.
    const budgets = gateway.app.get(BudgetEnforcerService);
    budgets.releaseLeases();
    await budgets.flush();
    const budget = await gateway.http.get(`/admin/tenants/${tenantId}/budget`).set(admin).expect(200);
    expect(Math.round(budget.body.spent_usd * 1e9)).toBe(Math.round(ok.body.router_metadata.cost_usd * 1e9));
    expect(budget.body.reserved_usd).toBe(0);
  });

  it("at a downgrade budget's soft limit, warns and routes one tier cheaper", async () => {
    const coding = ask('Write a Go HTTP middleware that logs request durations, with tests.');
    const { tenantId, key } = await tenantWithKey(gateway, 'thrifty');
    const normal = await gateway.http.post('/v1/chat/completions').set(bearer(key)).send(coding).expect(200);
    expect(normal.body.router_metadata.budget_downgraded).toBe(false);
    expect(normal.headers['x-modelmuxer-budget-warning']).toBeUndefined();

    await gateway.http
      .put(`/admin/tenants/${tenantId}/budget`)
      .set(admin)
      .send({ limit_usd: 50, period: 'monthly', soft_limit_ratio: 0, action: 'downgrade' })
      .expect(200);
    const downgraded = await gateway.http
      .post('/v1/chat/completions')
      .set(bearer(key))
      .send(coding)
      .expect(200);
    expect(downgraded.headers['x-modelmuxer-budget-warning']).toMatch(/soft budget limit reached/);
    expect(downgraded.body.router_metadata.budget_downgraded).toBe(true);
    expect(downgraded.body.router_metadata.routing_reason).toContain('soft limit reached');
    expect(downgraded.body.router_metadata.selected_model).not.toBe(
      normal.body.router_metadata.selected_model,
    );

    await gateway.http
      .put(`/admin/tenants/${tenantId}/budget`)
      .set(admin)
      .send({ limit_usd: 50, period: 'monthly', soft_limit_ratio: 0, action: 'alert' })
      .expect(200);
    const alerted = await gateway.http.post('/v1/chat/completions').set(bearer(key)).send(coding).expect(200);
    expect(alerted.headers['x-modelmuxer-budget-warning']).toMatch(/soft budget limit reached/);
    expect(alerted.body.router_metadata.budget_downgraded).toBe(false);
    expect(alerted.body.router_metadata.selected_model).toBe(normal.body.router_metadata.selected_model);
  });
});

describe('rate limits through the gateway', () => {
  let gateway: TestApp;

  beforeAll(async () => {
    gateway = await bootTestApp({ RATE_LIMIT_RPM: '2' });
  });
  afterAll(async () => gateway?.close());

  it('limits the chat API per key with 429 and retry-after, but never /health or /metrics', async () => {
    const chat = () =>
      gateway.http.post('/v1/chat/completions').set(bearer('mm-test-key-0123456789')).send(ask('Hi'));
    await chat().expect(200);
    await chat().expect(200);
    const refused = await chat().expect(429);
    expect(refused.body.error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limit_exceeded' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    for (let i = 0; i < 5; i++) {
      await gateway.http.get('/health').expect(200);
      await gateway.http.get('/metrics/prometheus').expect(200);
    }
  });
});
