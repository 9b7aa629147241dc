import request from 'supertest';
import { BudgetEnforcerService } from '../../src/billing/budgets/budget-enforcer.service';
import { UsageRecorderService } from '../../src/billing/usage/usage-recorder.service';
import { bootTestApp, TEST_ADMIN_KEY, TestApp } from '../support/app';
import { FakeUpstream, startFakeUpstream } from '../support/fake-upstream';
import { createTenantWithKey } from '../support/tenants';

/**
 * A model without a catalog price (a dated snapshot passed through to OpenAI, priced like its
 * family gpt-4o at $2.50 / $10.00 per million tokens, flagged "estimated"): the budget reserves
 * against the upper bound (compatibility.unknown_models.reserve_multiplier: 2 in the shipped
 * config/models.yaml), the bill uses the estimated price itself, and the usage row is flagged
 * (usage report: estimated_price_requests). Only OpenAI is configured, so the plan's chain is
 * OpenAI's; both API shapes (/v1/chat/completions, /v1/messages) go through the same steps.
 */
const admin = { authorization: `Bearer ${TEST_ADMIN_KEY}` };
const SNAPSHOT = 'openai/gpt-4o-2024-08-06';

describe('estimated prices: upper-bound reservations, flagged usage', () => {
  let fake: FakeUpstream;
  let gateway: TestApp;

  beforeAll(async () => {
    fake = await startFakeUpstream();
    const { OPENAI_BASE_URL, OPENAI_API_KEY } = fake.env();
    gateway = await bootTestApp(
      {
        OPENAI_BASE_URL,
        OPENAI_API_KEY,
        TEST_MODE: 'false',
        ADMIN_API_KEY: TEST_ADMIN_KEY,
        MODE: 'enhanced',
      },
      { listen: true },
    );
  }, 120_000);

  afterAll(async () => {
    await gateway?.close();
    await fake?.close();
  });

  beforeEach(() => fake.reset());

  async function settle(): Promise<void> {
    await gateway.app.get(UsageRecorderService).flush();
    const budgets = gateway.app.get(BudgetEnforcerService);
    budgets.releaseLeases();
    await budgets.flush();
  }

  it('reserves at reserve_multiplier × the estimated price, bills at the price, flags the usage row', async () => {
    const { tenantId, key } = await createTenantWithKey(gateway.url, TEST_ADMIN_KEY, 'snapshots');
    // $0.015: 1,000 output tokens cost $0.010 at gpt-4o's price (they would fit), $0.020 at the
    // reserved upper bound (they do not); 600 fit either way ($0.006 / $0.012).
    await request(gateway.url)
      .put(`/admin/tenants/${tenantId}/budget`)
      .set(admin)
      .send({ limit_usd: 0.015, period: 'daily' })
      .expect(200);
    const body = (maxTokens: number) => ({
      model: SNAPSHOT,
      max_tokens: maxTokens,
      messages: [{ role: 'user', content: 'Hi' }],
    });

    const refused = await request(gateway.url)
      .post('/v1/chat/completions')
      .set('authorization', `Bearer ${key}`)
      .send(body(1000));
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('budget_exceeded');
    const refusedMessages = await request(gateway.url)
      .post('/v1/messages')
      .set('x-api-key', key)
      .send(body(1000));
    expect(refusedMessages.status).toBe(429);
    expect(refusedMessages.body).toMatchObject({ type: 'error', error: { type: 'billing_error' } });
    expect(fake.requests).toHaveLength(0);

    fake.setDefault({ usage: { prompt: 1000, completion: 100 } });
    const answered = await request(gateway.url)
      .post('/v1/messages')
      .set('x-api-key', key)
      .send(body(600))
      .expect(200);
    expect(answered.body.router_metadata).toMatchObject({
      pricing: 'estimated',
      pricing_source: 'family gpt-4o (estimated)',
    });
    // Billed at the estimated price itself: 1,000 × $2.50 + 100 × $10.00 per million.
    expect(answered.body.router_metadata.cost_usd).toBeCloseTo(0.0035, 9);
    expect(fake.requests.at(-1)?.body).toMatchObject({ model: 'gpt-4o-2024-08-06' });

    await request(gateway.url)
      .post('/v1/chat/completions')
      .set('authorization', `Bearer ${key}`)
      .send({ ...body(50), model: 'gpt-4o-mini' })
      .expect(200);
    await settle();
    const report = await request(gateway.url)
      .get(`/admin/tenants/${tenantId}/usage?group_by=model`)
      .set(admin)
      .expect(200);
    expect(report.body.totals).toMatchObject({ requests: 2, estimated_price_requests: 1 });
    const byModel = Object.fromEntries(
      (report.body.groups as Array<{ key: string; estimated_price_requests: number }>).map((group) => [
        group.key,
        group.estimated_price_requests,
      ]),
    );
    expect(byModel).toEqual({ 'gpt-4o-mini': 0, [SNAPSHOT]: 1 });
    const budget = await request(gateway.url).get(`/admin/tenants/${tenantId}/budget`).set(admin).expect(200);
    expect(budget.body.spent_usd).toBeGreaterThanOrEqual(0.0035);
  });
});
