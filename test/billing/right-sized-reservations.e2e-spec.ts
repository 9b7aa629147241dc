import { BudgetEnforcerService } from '../../src/billing/budgets/budget-enforcer.service';
import { OUTPUT_MIN_SAMPLES } from '../../src/billing/budgets/output-estimate';
import { UsageRecorderService } from '../../src/billing/usage/usage-recorder.service';
import { bootTestApp, TEST_ADMIN_KEY, type TestApp } from '../support/app';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { createTestDatabase, describeIfPostgres, type TestDatabase } from '../support/postgres';
import { sseEvents, sseText } from '../support/sse';
import { createTenantWithKey, type TenantWithKey } from '../support/tenants';

/**
 * Right-sized reservations (issue 16 part 5), through the whole gateway against the fake
 * upstream: requests without max_tokens reserve the learned p99 of their completions, so a race
 * near a budget's limit admits what fits and never overspends; near the limit a non-stream
 * request is capped upstream (max_completion_tokens) and a stream extends its reservation or is
 * cut off with finish_reason "length".
 */
const admin = { Authorization: `Bearer ${TEST_ADMIN_KEY}` };
const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });
/** The fake's answer by default: 10 prompt + 50 completion tokens of gpt-4o ($2.50 / $10 per 1M). */
const USAGE = { prompt: 10, completion: 50 };
const RACE_REQUESTS = 200;
const RACE_FITTING = 150;
/** No max_tokens: the gateway decides what to reserve. */
const ask = (content: string, extra: Record<string, unknown> = {}) => ({
  model: 'gpt-4o',
  messages: [{ role: 'user', content }],
  ...extra,
});

function reservationContract(boot: (fake: FakeUpstream) => Promise<TestApp>) {
  let fake: FakeUpstream;
  let gateway: TestApp;
  /** What one default answer costs (nano-USD), as billed. */
  let callCostNano = 0;

  beforeAll(async () => {
    fake = await startFakeUpstream();
    fake.setDefault({ usage: USAGE });
    gateway = await boot(fake);
    // Teach this replica the model's completions (another tenant: the model-wide p99 applies).
    const teacher = await tenant('teacher');
    const answers = await Promise.all(
      Array.from({ length: OUTPUT_MIN_SAMPLES + 5 }, (_, i) => chat(teacher, ask(`warm-up ${i}`))),
    );
    for (const answer of answers) expect(answer.status).toBe(200);
    callCostNano = answers[0].costNano;
  });
  afterAll(async () => {
    await gateway?.close();
    await fake?.close();
  });
  beforeEach(() => {
    fake.reset();
    fake.setDefault({ usage: USAGE });
  });

  function tenant(name: string): Promise<TenantWithKey> {
    return createTenantWithKey(gateway.app.getHttpServer(), TEST_ADMIN_KEY, `${name}-${Math.random()}`);
  }

  async function setBudget(target: TenantWithKey, limitNano: number): Promise<void> {
    await gateway.http
      .put(`/admin/tenants/${target.tenantId}/budget`)
      .set(admin)
      .send({ limit_usd: limitNano / 1e9, period: 'daily' })
      .expect(200);
  }

  async function chat(target: TenantWithKey, body: Record<string, unknown>) {
    const response = await gateway.http.post('/v1/chat/completions').set(bearer(target.key)).send(body);
    const cost = response.headers['x-modelmuxer-cost-usd'];
    return {
      status: response.status,
      body: response.body,
      costNano: response.status === 200 ? Math.round(Number(cost) * 1e9) : 0,
    };
  }

  async function stream(target: TenantWithKey, body: Record<string, unknown>): Promise<string[]> {
    const response = await gateway.http
      .post('/v1/chat/completions')
      .set(bearer(target.key))
      .send({ ...body, stream: true, stream_options: { include_usage: true } })
      .buffer(true)
      .parse(sseText)
      .expect(200);
    return sseEvents(response.body as string);
  }

  /** The tenant's budget once every settlement is written (leases given back). */
  async function budgetOf(target: TenantWithKey) {
    const budgets = gateway.app.get(BudgetEnforcerService);
    budgets.releaseLeases();
    await gateway.app.get(UsageRecorderService).flush();
    await budgets.flush();
    const response = await gateway.http
      .get(`/admin/tenants/${target.tenantId}/budget`)
      .set(admin)
      .expect(200);
    const body = response.body as { spent_usd: number; reserved_usd: number };
    return { spentNano: Math.round(body.spent_usd * 1e9), reservedNano: Math.round(body.reserved_usd * 1e9) };
  }

  it(`admits ≥ 95 % of what fits in a race of ${RACE_REQUESTS} near the limit, never overspending`, async () => {
    expect(callCostNano).toBeGreaterThan(0);
    const racer = await tenant('race');
    const limitNano = RACE_FITTING * callCostNano + Math.floor(callCostNano / 2);
    await setBudget(racer, limitNano);
    const outcomes = await Promise.all(
      Array.from({ length: RACE_REQUESTS }, (_, i) => chat(racer, ask(`race ${i}`))),
    );
    const admitted = outcomes.filter((outcome) => outcome.status === 200);
    const refused = outcomes.filter((outcome) => outcome.status !== 200);
    for (const outcome of refused)
      expect([outcome.status, outcome.body.error.code]).toEqual([429, 'budget_exceeded']);
    const spentNano = admitted.reduce((total, outcome) => total + outcome.costNano, 0);
    const fits = Math.floor(limitNano / callCostNano);
    if (process.env.RACE_REPORT)
      console.log(
        `one replica: admitted ${admitted.length} of ${fits} that fit, spent ${spentNano} of ${limitNano}`,
      );
    expect(admitted.length).toBeGreaterThanOrEqual(Math.ceil(0.95 * fits));
    expect(spentNano).toBeLessThanOrEqual(limitNano);
    const budget = await budgetOf(racer);
    expect(budget).toEqual({ spentNano, reservedNano: 0 });
  });

  it('sends a request as the client sent it while the budget has ample room', async () => {
    const roomy = await tenant('roomy');
    await setBudget(roomy, 100e9);
    const answer = await chat(roomy, ask('hello'));
    expect(answer.status).toBe(200);
    expect(fake.requests[0].body.max_completion_tokens).toBeUndefined();
    expect(answer.body.router_metadata.budget_max_output_tokens).toBeUndefined();
  });

  it('caps a request near the limit upstream at the output its reservation covers', async () => {
    const tight = await tenant('tight');
    await setBudget(tight, 5 * callCostNano);
    const answer = await chat(tight, ask('hello'));
    expect(answer.status).toBe(200);
    const cap = answer.body.router_metadata.budget_max_output_tokens;
    // The learned p99 (50), or a little more where a fallback's share sets the reservation.
    expect(cap).toBeGreaterThanOrEqual(USAGE.completion);
    expect(cap).toBeLessThan(2 * USAGE.completion);
    expect(fake.requests[0].body.max_completion_tokens).toBe(cap);
    expect(fake.requests[0].body.max_tokens).toBeUndefined();
  });

  it('caps a stream of a model with hidden reasoning tokens upstream (they cannot be counted)', async () => {
    const thinker = await tenant('thinker');
    await setBudget(thinker, 100 * callCostNano);
    const events = await stream(thinker, { ...ask('think hard'), model: 'o4-mini' });
    expect(events[events.length - 1]).toBe('[DONE]');
    const usage = JSON.parse(events[events.length - 2]);
    const cap = usage.router_metadata.budget_max_output_tokens;
    expect(cap).toBeGreaterThan(0);
    expect(fake.requests[0].body.max_completion_tokens).toBe(cap);
    expect(usage.router_metadata.budget_cutoff).toBeUndefined();
  });

  it('sends Anthropic the cap as its required max_tokens', async () => {
    const poet = await tenant('poet');
    await setBudget(poet, 100 * callCostNano);
    const answer = await chat(poet, { ...ask('a haiku'), model: 'claude-haiku-4-5' });
    expect(answer.status).toBe(200);
    const cap = answer.body.router_metadata.budget_max_output_tokens;
    expect(cap).toBeGreaterThan(0);
    expect(fake.requests[0].flavor).toBe('anthropic');
    expect(fake.requests[0].body.max_tokens).toBe(cap);
  });

  it('extends a stream as it goes while the budget covers it, then runs to its end', async () => {
    const streamer = await tenant('streamer');
    await setBudget(streamer, 40 * callCostNano);
    fake.setDefault({ completionTokens: 300, usage: { prompt: USAGE.prompt } });
    const events = await stream(streamer, ask('tell me a long story'));
    expect(events[events.length - 1]).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((event) => JSON.parse(event));
    const finish = chunks.flatMap((chunk) =>
      chunk.choices.map((choice: { finish_reason: string }) => choice.finish_reason),
    );
    expect(finish.filter(Boolean)).toEqual(['stop']);
    const usage = chunks[chunks.length - 1];
    expect(usage.usage.completion_tokens).toBe(300);
    expect(usage.router_metadata.budget_cutoff).toBeUndefined();
    const budget = await budgetOf(streamer);
    expect(budget.spentNano).toBe(Math.round(usage.router_metadata.cost_usd * 1e9));
    expect(budget.reservedNano).toBe(0);
  });

  it('cuts a stream off with finish_reason "length" when the budget cannot extend it', async () => {
    const cut = await tenant('cut');
    // Room for the first reservation (50 output tokens) and one extension, not for two.
    const limitNano = Math.floor(2.5 * callCostNano);
    await setBudget(cut, limitNano);
    fake.setDefault({
      completionTokens: 400,
      chunkWords: 2,
      chunkDelayMs: 1,
      usage: { prompt: USAGE.prompt },
    });
    const events = await stream(cut, ask('tell me a very long story'));
    expect(events[events.length - 1]).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((event) => JSON.parse(event));
    const [final, usage] = chunks.slice(-2);
    expect(final.choices).toEqual([{ index: 0, delta: {}, finish_reason: 'length' }]);
    expect(final.router_metadata.budget_cutoff).toBe(true);
    expect(usage.choices).toEqual([]);
    expect(usage.router_metadata.budget_cutoff).toBe(true);
    expect(usage.router_metadata.usage_estimated).toBe(true);
    // Billed: what was relayed (counted with the margin), within the two reservations.
    expect(usage.usage.completion_tokens).toBeGreaterThan(USAGE.completion);
    expect(usage.usage.completion_tokens).toBeLessThanOrEqual(2 * USAGE.completion);
    const text = chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? '').join('');
    expect(text.split(' ').length).toBeLessThan(2 * USAGE.completion);
    await fake.waitFor(() => fake.requests[0]?.aborted === true, 5_000); // the upstream call was ended
    const budget = await budgetOf(cut);
    expect(budget.spentNano).toBe(Math.round(usage.router_metadata.cost_usd * 1e9));
    expect(budget.spentNano).toBeLessThanOrEqual(limitNano);
    expect(budget.reservedNano).toBe(0);
  });
}

const ENV = {
  TEST_MODE: 'false',
  ADMIN_API_KEY: TEST_ADMIN_KEY,
  RESERVE_OUTPUT_FLOOR_TOKENS: '16',
  PROVIDER_MAX_RETRIES: '0',
};

describe('right-sized reservations on the embedded database', () => {
  reservationContract((fake) => bootTestApp({ ...fake.env(), ...ENV }));
});

describeIfPostgres('right-sized reservations on Postgres', () => {
  let database: TestDatabase;
  reservationContract(async (fake) => {
    database = await createTestDatabase();
    return bootTestApp({ ...fake.env(), ...ENV, DATABASE_URL: database.url });
  });
  afterAll(async () => database?.drop());
});
