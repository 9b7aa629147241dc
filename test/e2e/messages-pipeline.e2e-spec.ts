import request from 'supertest';
import { BudgetEnforcerService } from '../../src/billing/budgets/budget-enforcer.service';
import { UsageRecorderService } from '../../src/billing/usage/usage-recorder.service';
import { LLM_FALLBACK_SYSTEM_PROMPT } from '../../src/intent/llm-fallback';
import { bootTestApp, TEST_ADMIN_KEY, TestApp } from '../support/app';
import { FakeUpstream, startFakeUpstream } from '../support/fake-upstream';
import { createTestDatabase, SERVER_DATABASE_URL, TestDatabase } from '../support/postgres';
import { deleteRedisPrefix, SERVER_REDIS_URL, uniqueRedisPrefix } from '../support/redis';
import { createTenantWithKey } from '../support/tenants';

/** How the intent classifier's own model calls (fallback, safety review) are told apart upstream. */
const CLASSIFIER_PROMPT = LLM_FALLBACK_SYSTEM_PROMPT.slice(0, 40);

/**
 * POST /v1/messages runs the chat pipeline: usage rows and budget spend from the upstream's
 * usage, budget refusals (Anthropic's error shape), the response cache (a stream replayed as
 * Anthropic events), and in production the tenant policy (PII redacted before any provider sees
 * it) — on the embedded database (enhanced mode) and on Postgres + Redis (production).
 */
const admin = { authorization: `Bearer ${TEST_ADMIN_KEY}` };

interface Mode {
  name: string;
  env: () => Promise<Record<string, string | undefined>>;
  cleanup: () => Promise<void>;
  policy: boolean;
}

let database: TestDatabase | null = null;
let prefix: string | null = null;
const MODES: Mode[] = [
  {
    name: 'enhanced (embedded database)',
    env: () => Promise.resolve({ MODE: 'enhanced' }),
    cleanup: () => Promise.resolve(),
    policy: false,
  },
];
if (SERVER_DATABASE_URL && SERVER_REDIS_URL) {
  MODES.push({
    name: 'production (Postgres, Redis)',
    env: async () => {
      database = await createTestDatabase();
      prefix = uniqueRedisPrefix();
      return {
        MODE: 'production',
        DATA_DIR: undefined,
        DATABASE_URL: database.url,
        REDIS_URL: SERVER_REDIS_URL,
        REDIS_KEY_PREFIX: prefix,
        API_KEY_HASH_SECRET: 'messages-e2e-hash-secret-0123456789abcdef',
      };
    },
    cleanup: async () => {
      await database?.drop();
      if (prefix) await deleteRedisPrefix(prefix);
    },
    policy: true,
  });
}

describe.each(MODES)('/v1/messages through the pipeline: $name', (mode) => {
  let fake: FakeUpstream;
  let gateway: TestApp;
  let tenantId: string;
  let key: string;

  beforeAll(async () => {
    fake = await startFakeUpstream();
    gateway = await bootTestApp(
      { ...fake.env(), ...(await mode.env()), TEST_MODE: 'false', ADMIN_API_KEY: TEST_ADMIN_KEY },
      { listen: true },
    );
    ({ tenantId, key } = await createTenantWithKey(gateway.url, TEST_ADMIN_KEY, 'anthropic-client'));
  }, 120_000);

  afterAll(async () => {
    await gateway?.close();
    await fake?.close();
    await mode.cleanup();
  });

  beforeEach(() => fake.reset());

  const messages = (body: Record<string, unknown>) =>
    request(gateway.url).post('/v1/messages').set('x-api-key', key).send(body);

  async function settle(): Promise<void> {
    await gateway.app.get(UsageRecorderService).flush();
    const budgets = gateway.app.get(BudgetEnforcerService);
    budgets.releaseLeases();
    await budgets.flush();
  }

  it('bills the upstream usage (usage row, budget spend) and refuses past the budget', async () => {
    fake.setDefault({ usage: { prompt: 1000, completion: 200 } });
    const answer = await messages({
      model: 'gpt-4o-mini',
      max_tokens: 300,
      messages: [{ role: 'user', content: 'Write a limerick about budgets.' }],
    }).expect(200);
    expect(answer.body.usage).toMatchObject({ input_tokens: 1000, output_tokens: 200 });
    const cost = answer.body.router_metadata.cost_usd as number;
    expect(cost).toBeGreaterThan(0);
    expect(Number(answer.headers['x-modelmuxer-cost-usd'])).toBeCloseTo(cost, 9);
    await settle();
    const report = await request(gateway.url)
      .get(`/admin/tenants/${tenantId}/usage?group_by=model`)
      .set(admin)
      .expect(200);
    const row = report.body.groups.find((group: { key: string }) => group.key === 'gpt-4o-mini');
    expect(row).toMatchObject({ requests: 1, prompt_tokens: 1000, completion_tokens: 200 });
    expect(row.cost_usd).toBeCloseTo(cost, 9);

    await request(gateway.url)
      .put(`/admin/tenants/${tenantId}/budget`)
      .set(admin)
      .send({ limit_usd: cost * 1.5, period: 'daily' })
      .expect(200);
    fake.reset();
    const refused = await messages({
      model: 'gpt-4o',
      max_tokens: 4096,
      messages: [{ role: 'user', content: 'Write a long essay about budgets.' }],
    });
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ type: 'error', error: { type: 'billing_error' } });
    expect(refused.body.error.message).toMatch(/budget/i);
    // No completion was sent. The intent classifier's own call (its fallback or safety review, billed
    // to the tenant, made only while its budget is not spent) may precede the reservation's refusal.
    expect(
      fake.requests.filter((sent) => !JSON.stringify(sent.body).includes(CLASSIFIER_PROMPT)),
    ).toHaveLength(0);
    await request(gateway.url).delete(`/admin/tenants/${tenantId}/budget`).set(admin).expect(204);
  });

  it('serves a repeated deterministic request from the cache, as a message and as a replayed stream', async () => {
    const body = {
      model: 'claude-haiku-4-5',
      max_tokens: 128,
      temperature: 0,
      messages: [{ role: 'user', content: 'Capital of Norway?' }],
    };
    const first = await messages(body).expect(200);
    expect(first.body.router_metadata.cache_hit).toBe(false);
    const second = await messages(body).expect(200);
    expect(second.body.router_metadata.cache_hit).toBe(true);
    expect(second.body.content).toEqual(first.body.content);
    expect(second.body.router_metadata.cost_usd).toBe(0);

    const streamed = await messages({ ...body, stream: true }).expect(200);
    const streamedAgain = await messages({ ...body, stream: true }).expect(200);
    expect(streamedAgain.headers['x-modelmuxer-cache']).toBe('HIT');
    const textOf = (sse: string) =>
      sse
        .split('\n')
        .filter((line) => line.startsWith('data: '))
        .map((line) => JSON.parse(line.slice(6)) as { type: string; delta?: { text?: string } })
        .map((event) => (event.type === 'content_block_delta' ? (event.delta?.text ?? '') : ''))
        .join('');
    expect(textOf(streamedAgain.text)).toBe(textOf(streamed.text));
    expect(streamedAgain.text).toContain('event: message_stop');
    // One upstream call in all: the streams are replayed from the cached answer.
    expect(streamed.headers['x-modelmuxer-cache']).toBe('HIT');
    expect(fake.requests).toHaveLength(1);
  });

  (mode.policy ? it : it.skip)(
    'applies the tenant policy: PII redacted before any provider sees it',
    async () => {
      await request(gateway.url)
        .put(`/admin/tenants/${tenantId}/policy`)
        .set(admin)
        .send({ pii: { action: 'redact' } })
        .expect(200);
      const answer = await messages({
        model: 'mistral-small-latest',
        max_tokens: 64,
        system: 'Reply to jane.doe@example.com politely.',
        messages: [{ role: 'user', content: [{ type: 'text', text: 'My card is 4111 1111 1111 1111.' }] }],
      }).expect(200);
      expect(answer.body.router_metadata.policy_notes?.[0]).toMatch(/pii_redacted/);
      const sent = JSON.stringify(fake.requests.at(-1)?.body);
      expect(sent).not.toContain('jane.doe@example.com');
      expect(sent).not.toContain('4111 1111 1111 1111');
      await request(gateway.url).delete(`/admin/tenants/${tenantId}/policy`).set(admin).expect(204);
    },
  );
});
