import { LLM_FALLBACK_SYSTEM_PROMPT } from '../../src/intent/llm-fallback';
import { IntentService } from '../../src/intent/intent.service';
import { BudgetEnforcerService } from '../../src/billing/budgets/budget-enforcer.service';
import { UsageRecorderService } from '../../src/billing/usage/usage-recorder.service';
import { authHeader, bootTestApp, TEST_ADMIN_KEY, TestApp } from '../support/app';
import { createTenantWithKey } from '../support/tenants';
import { FakeUpstream, startFakeUpstream } from '../support/fake-upstream';

/**
 * Enhanced mode outside TEST_MODE, providers pointed at the local fake upstream: a request the
 * local classifier is unsure about (confidence below INTENT_LOW_CONFIDENCE) is sent to the
 * cheap-LLM fallback (a real HTTP call to the fake, with the classifier prompt), and its answer
 * becomes the label; a confident request never calls it.
 */
/** A request the shipped model is unsure about (checked below against the live threshold). */
const UNSURE = 'A man invests Rs. 128 and obtained Rs. 16. The interest obtained by him is:';
/** Another unsure request (the fallback caches answers by text). */
const UNSURE_AGAIN = 'A man sells 12 apples and obtains Rs. 16. The profit is:';
const CONFIDENT = 'Translate "good morning, see you tomorrow" into French.';
/** INTENT_SAFETY_REVIEW_THRESHOLD of this suite. */
const REVIEW_THRESHOLD = 0.3;
/** Confident locally, unflagged, in the review band: the fake reviewer's answer decides. */
const GREY = 'Write a limerick about budgets.';
/** The same band, another text (the fallback caches answers by text). */
const GREY_AGAIN = 'Write a haiku about autumn.';

describe('intent LLM fallback (enhanced mode, fake upstream)', () => {
  let fake: FakeUpstream;
  let gateway: TestApp;

  beforeAll(async () => {
    fake = await startFakeUpstream();
    gateway = await bootTestApp({
      ...fake.env(),
      MODE: 'enhanced',
      TEST_MODE: 'false',
      PROVIDER_MAX_RETRIES: '0',
      ADMIN_API_KEY: TEST_ADMIN_KEY,
      // Below the default (0.6), so that the review's examples do not hang on the shipped model's
      // exact calibration (their band membership is checked below).
      INTENT_SAFETY_REVIEW_THRESHOLD: String(REVIEW_THRESHOLD),
    });
  });

  afterAll(async () => {
    await gateway?.close();
    await fake?.close();
  });

  beforeEach(() => {
    fake.reset();
    fake.setDefault({ text: '{"label": "deep_reason", "confidence": 0.83}' });
  });

  const classifierCalls = () =>
    fake.requests.filter((r) => JSON.stringify(r.body).includes(LLM_FALLBACK_SYSTEM_PROMPT.slice(0, 40)));

  const chat = (content: string) =>
    gateway.http
      .post('/v1/chat/completions')
      .set(authHeader)
      .send({ model: 'auto', messages: [{ role: 'user', content }] });

  it('the unsure request is below the threshold and the confident one above (preconditions)', () => {
    const intent = gateway.app.get(IntentService);
    const low = gateway.config.intent.lowConfidence;
    for (const unsure of [UNSURE, UNSURE_AGAIN]) {
      expect(intent.classifyLocal({ messages: [{ role: 'user', content: unsure }] }).confidence).toBeLessThan(
        low,
      );
    }
    expect(
      intent.classifyLocal({ messages: [{ role: 'user', content: CONFIDENT }] }).confidence,
    ).toBeGreaterThanOrEqual(low);
  });

  it('asks the cheap LLM when the local confidence is low, and uses its label', async () => {
    const response = await chat(UNSURE).expect(200);
    expect(classifierCalls()).toHaveLength(1);
    expect(response.body.router_metadata.intent_method).toBe('llm');
    expect(response.body.router_metadata.intent_label).toBe('deep_reason');
    expect(response.body.router_metadata.intent_signals.local_confidence).toBeLessThan(
      gateway.config.intent.lowConfidence,
    );
  });

  it('does not call the LLM when the local classifier is confident', async () => {
    const response = await chat(CONFIDENT).expect(200);
    expect(classifierCalls()).toHaveLength(0);
    expect(response.body.router_metadata.intent_method).toBe('model');
    expect(response.body.router_metadata.intent_label).toBe('translation');
  });

  it('the review examples are confident, unflagged and in the band (preconditions)', () => {
    const intent = gateway.app.get(IntentService);
    for (const content of [GREY, GREY_AGAIN]) {
      const local = intent.classifyLocal({ messages: [{ role: 'user', content }] });
      expect(local.label).not.toBe('safety_risk');
      expect(local.confidence).toBeGreaterThanOrEqual(gateway.config.intent.lowConfidence);
      expect(local.signals?.safety_probability as number).toBeGreaterThanOrEqual(REVIEW_THRESHOLD);
    }
    const confident = intent.classifyLocal({ messages: [{ role: 'user', content: CONFIDENT }] });
    expect(confident.signals?.safety_probability as number).toBeLessThan(REVIEW_THRESHOLD);
  });

  it('sends a request in the band to the safety review and refuses it when the reviewer flags it', async () => {
    fake.setDefault({ text: '{"label": "safety_risk", "confidence": 0.92}' });
    const response = await chat(GREY).expect(400);
    expect(response.body.error.code).toBe('content_policy_violation');
    // The review was the only upstream call: no completion for a refused request.
    expect(classifierCalls()).toHaveLength(1);
    expect(fake.requests).toHaveLength(1);
  });

  it('answers a request in the band the reviewer clears, and says so in router_metadata', async () => {
    fake.enqueue({ text: '{"label": "chat_lite", "confidence": 0.9}' });
    const response = await chat(GREY_AGAIN).expect(200);
    expect(classifierCalls()).toHaveLength(1);
    expect(response.body.router_metadata.intent_method).not.toBe('llm');
    expect(response.body.router_metadata.intent_label).not.toBe('safety_risk');
    expect(response.body.router_metadata.intent_signals).toMatchObject({ safety_review: 'cleared' });
  });

  it('calls no model to explain a decision (/v1/router/explain: without calling a provider)', async () => {
    for (const content of ['A man buys 9 pens for Rs. 27. The cost of one pen is:', GREY]) {
      const response = await gateway.http
        .post('/v1/router/explain')
        .set(authHeader)
        .send({ model: 'auto', messages: [{ role: 'user', content }] })
        .expect(200);
      expect(JSON.stringify(response.body)).not.toContain('"llm"');
    }
    expect(fake.requests).toHaveLength(0);
  });

  it("never sends a tenant's text to a fallback model its policy does not allow", async () => {
    const admin = { authorization: `Bearer ${TEST_ADMIN_KEY}` };
    const { tenantId, key } = await createTenantWithKey(
      gateway.app.getHttpServer(),
      TEST_ADMIN_KEY,
      'anthropic-only',
    );
    await gateway.http
      .put(`/admin/tenants/${tenantId}/policy`)
      .set(admin)
      .send({ allowed_providers: ['anthropic'] })
      .expect(200);
    const unsure = 'A man sells 15 pens and obtains Rs. 20. The profit is:';
    const intent = gateway.app.get(IntentService);
    expect(intent.classifyLocal({ messages: [{ role: 'user', content: unsure }] }).confidence).toBeLessThan(
      gateway.config.intent.lowConfidence,
    );
    for (const content of [unsure, GREY]) {
      const response = await gateway.http
        .post('/v1/chat/completions')
        .set({ authorization: `Bearer ${key}` })
        .send({ model: 'auto', messages: [{ role: 'user', content }] })
        .expect(200);
      expect(response.body.router_metadata.intent_method).not.toBe('llm');
      expect(response.body.router_metadata.selected_provider).toBe('anthropic');
    }
    // The fallback model (gpt-4o-mini, OpenAI) was never called: every upstream call was Anthropic's.
    expect(classifierCalls()).toHaveLength(0);
    expect(fake.requests.every((sent) => sent.flavor === 'anthropic')).toBe(true);
  });

  it('bills the classifier call to the tenant: its own usage row, cost and budget spend', async () => {
    const admin = { authorization: `Bearer ${TEST_ADMIN_KEY}` };
    const { tenantId, key } = await createTenantWithKey(
      gateway.app.getHttpServer(),
      TEST_ADMIN_KEY,
      'unsure',
    );
    await gateway.http
      .put(`/admin/tenants/${tenantId}/budget`)
      .set(admin)
      .send({ limit_usd: 10, period: 'daily' })
      .expect(200);
    fake.enqueue({
      text: '{"label": "deep_reason", "confidence": 0.83}',
      usage: { prompt: 300, completion: 12 },
    });
    fake.setDefault({ usage: { prompt: 20, completion: 40 } });
    const response = await gateway.http
      .post('/v1/chat/completions')
      .set({ authorization: `Bearer ${key}` })
      .send({ model: 'auto', messages: [{ role: 'user', content: UNSURE_AGAIN }] })
      .expect(200);
    expect(classifierCalls()).toHaveLength(1);
    const answerNano = Math.round(response.body.router_metadata.cost_usd * 1e9);
    await gateway.app.get(UsageRecorderService).flush();
    const budgets = gateway.app.get(BudgetEnforcerService);
    budgets.releaseLeases();
    await budgets.flush();
    const report = await gateway.http
      .get(`/admin/tenants/${tenantId}/usage?group_by=intent`)
      .set(admin)
      .expect(200);
    const classifier = report.body.groups.find((group: { key: string }) => group.key === 'intent_fallback');
    // gpt-4o-mini (the fallback model): 300 × $0.15/M + 12 × $0.60/M.
    expect(classifier).toMatchObject({ requests: 1, prompt_tokens: 300, completion_tokens: 12 });
    const classifierNano = 300 * 150 + 12 * 600;
    expect(Math.round(classifier.cost_usd * 1e9)).toBe(classifierNano);
    const budget = await gateway.http.get(`/admin/tenants/${tenantId}/budget`).set(admin).expect(200);
    expect(Math.round(budget.body.spent_usd * 1e9)).toBe(answerNano + classifierNano);
  });
});
