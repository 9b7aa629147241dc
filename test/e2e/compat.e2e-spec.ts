import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { costNanoUsd, nanoToUsd } from '../../src/common/pricing';
import { LiteLLMDiscoveryService } from '../../src/routing/litellm-discovery.service';
import { authHeader, bootTestApp, TEST_ADMIN_KEY, TestApp } from '../support/app';
import { FakeUpstream, startFakeUpstream } from '../support/fake-upstream';
import { createTestDatabase, TestDatabase } from '../support/postgres';
import { deleteRedisPrefix, SERVER_REDIS_URL, uniqueRedisPrefix } from '../support/redis';
import { createTenantWithKey } from '../support/tenants';

/**
 * Compatibility (issue 15): any model name a client sends resolves, is billed and explained;
 * LiteLLM's models are discovered; /v1/models lists and answers for every name form.
 */

const quickStart = { model: 'gpt-3.5-turbo', messages: [{ role: 'user', content: 'Hello, how are you?' }] };

/** config/models.yaml with a `discovered` rule giving llama-3.3-70b a tier and quality (auto may pick it). */
function catalogWithDiscoveredRule(dir: string): string {
  const base = readFileSync(join(__dirname, '..', '..', 'config', 'models.yaml'), 'utf8');
  const rule =
    '  rules:\n    - { match: llama-3.3-70b, tier: standard, quality: { default: 0.85, vision: 0 } }\n';
  const file = join(dir, 'models.yaml');
  writeFileSync(file, base.replace('  rules: []\n', rule));
  return file;
}

describe('compatibility in TEST_MODE (simulator)', () => {
  let gateway: TestApp;

  beforeAll(async () => {
    gateway = await bootTestApp();
  });
  afterAll(async () => gateway.close());

  const chat = (body: object) => gateway.http.post('/v1/chat/completions').set(authHeader).send(body);

  it("answers the original README's quick-start request (gpt-3.5-turbo) with 200", async () => {
    const response = await chat(quickStart).expect(200);
    expect(response.body.choices[0].message.content).toEqual(expect.any(String));
    expect(response.body.router_metadata).toEqual(
      expect.objectContaining({
        selected_provider: 'openai',
        selected_model: 'openai/gpt-3.5-turbo',
        simulated: true,
      }),
    );
    expect(response.body.router_metadata.routing_reason).toContain('gpt-3.5-turbo is a legacy name');
    // A legacy name passed through is billed at its list price: not estimated.
    expect(response.body.router_metadata.pricing).toBeUndefined();
    expect(response.body.usage.pricing).toBeUndefined();
  });

  it.each([
    ['gpt-4o-2024-08-06', 'openai/gpt-4o-2024-08-06', 'estimated'],
    ['openai/gpt-4o-2024-08-06', 'openai/gpt-4o-2024-08-06', 'estimated'],
    ['anthropic/claude-3-5-sonnet-latest', 'anthropic/claude-3-5-sonnet-latest', 'estimated'],
    ['mistral/open-mistral-nemo', 'mistral/open-mistral-nemo', 'estimated'],
    ['ft:gpt-4o-mini:acme::abc123', 'openai/ft:gpt-4o-mini:acme::abc123', 'estimated'],
    ['litellm/anything-at-all', 'litellm/anything-at-all', 'estimated'],
    ['claude-2.1', 'claude-sonnet-4-6', 'list'],
    ['o3-mini', 'openai/o3-mini', 'estimated'],
  ])('serves %s as %s (%s price), explained in routing_reason', async (name, model, pricing) => {
    const response = await chat({ model: name, messages: [{ role: 'user', content: 'Hello there' }] }).expect(
      200,
    );
    const metadata = response.body.router_metadata;
    expect(metadata.selected_model).toBe(model);
    expect(metadata.routing_reason).toContain(`${name} requested`);
    expect(metadata.cost_usd).toBeGreaterThan(0);
    if (pricing === 'estimated') {
      expect(metadata.pricing).toBe('estimated');
      expect(metadata.pricing_source).toMatch(/\(estimated\)$/);
      expect(response.body.usage.pricing).toBe('estimated');
    } else {
      expect(metadata.pricing).toBeUndefined();
      expect(metadata.routing_reason).toContain('successor');
    }
  });

  it('flags an estimated price in the usage chunk of a stream too', async () => {
    const response = await chat({
      model: 'gpt-4o-2024-08-06',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'Hello there' }],
    })
      .buffer(true)
      .parse((res, done) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        res.on('end', () => done(null, text));
      })
      .expect(200);
    const usageLine = (response.body as string)
      .split('\n')
      .filter((line) => line.startsWith('data: {'))
      .map((line) => JSON.parse(line.slice(6)) as { usage?: { pricing?: string } })
      .find((chunk) => chunk.usage);
    expect(usageLine?.usage?.pricing).toBe('estimated');
  });

  it('answers 404 model_not_found for garbage, explaining how to name a model', async () => {
    const response = await chat({
      model: 'definitely-not-a-model',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(response.status).toBe(404);
    expect(response.body.error).toEqual(
      expect.objectContaining({ code: 'model_not_found', param: 'model', type: 'not_found_error' }),
    );
    expect(response.body.error.message).toContain('`provider/model`');
    expect(response.body.error.message).toContain('GET /v1/models');
    expect(response.body.error.message).toContain('`auto`');
  });

  it('lists models with owned_by, capabilities, context window, pricing and pricing_source', async () => {
    const response = await gateway.http.get('/v1/models').set(authHeader).expect(200);
    const byId = new Map<string, Record<string, unknown>>(
      response.body.data.map((entry: { id: string }) => [entry.id, entry]),
    );
    expect(byId.get('gpt-4o')).toEqual(
      expect.objectContaining({
        owned_by: 'openai',
        capabilities: expect.objectContaining({ vision: true }),
        context_window: 128000,
        pricing: expect.objectContaining({ input_per_1m_usd: 2.5 }),
        pricing_kind: 'list',
        pricing_source: 'catalog',
      }),
    );
    expect(byId.get('openai/gpt-4')).toEqual(
      expect.objectContaining({
        owned_by: 'openai',
        aliases: ['gpt-4'],
        pricing_source: expect.stringContaining('legacy'),
      }),
    );
    expect(byId.get('auto')).toEqual(expect.objectContaining({ owned_by: 'modelmuxer' }));
  });

  it.each([
    ['gpt-4o', 'gpt-4o', undefined],
    ['claude-haiku', 'claude-haiku-4-5', undefined],
    ['openai/gpt-4o-2024-08-06', 'openai/gpt-4o-2024-08-06', 'provider_prefix'],
    ['litellm/org/model-x', 'litellm/org/model-x', 'provider_prefix'],
    ['gpt-4o-mini-2024-07-18', 'openai/gpt-4o-mini-2024-07-18', 'pattern'],
    ['ft:gpt-4o-mini:acme::abc123', 'openai/ft:gpt-4o-mini:acme::abc123', 'pattern'],
    ['gpt-3.5-turbo', 'openai/gpt-3.5-turbo', 'legacy_pass_through'],
    ['claude-2.1', 'claude-sonnet-4-6', 'legacy_successor'],
  ])('GET /v1/models/%s resolves to %s', async (name, resolved, kind) => {
    const response = await gateway.http.get(`/v1/models/${name}`).set(authHeader).expect(200);
    expect(response.body.object).toBe('model');
    expect(response.body.pricing_source).toEqual(expect.any(String));
    if (kind === undefined) {
      expect(response.body.id).toBe(resolved);
    } else {
      expect(response.body.id).toBe(name);
      expect(response.body.resolved_to).toBe(resolved);
      expect(response.body.resolution).toBe(kind);
    }
  });

  it('GET /v1/models/{garbage} is a 404 naming the accepted forms', async () => {
    const response = await gateway.http.get('/v1/models/acme/thing').set(authHeader).expect(404);
    expect(response.body.error.code).toBe('model_not_found');
    expect(response.body.error.message).toContain('`provider/model`');
  });
});

describe('compatibility against the fake upstreams (production mode, Postgres, LiteLLM discovery)', () => {
  let database: TestDatabase;
  let prefix: string;
  let fake: FakeUpstream;
  let gateway: TestApp;
  let tenantId: string;
  let key: string;
  let dir: string;
  const admin = { authorization: `Bearer ${TEST_ADMIN_KEY}` };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'compat-e2e-'));
    database = await createTestDatabase();
    prefix = uniqueRedisPrefix();
    fake = await startFakeUpstream();
    fake.setLiteLLMModels([
      {
        id: 'llama-3.3-70b',
        info: {
          input_cost_per_token: 0.0000001,
          output_cost_per_token: 0.0000003,
          max_input_tokens: 131072,
          max_output_tokens: 8192,
          supports_function_calling: true,
          supports_vision: false,
        },
      },
      { id: 'gpt-4o' }, // also a catalog id: reachable only as litellm/gpt-4o
      { id: 'house-model' }, // no price known: estimated
    ]);
    gateway = await bootTestApp({
      ...fake.env(),
      MODE: 'production',
      TEST_MODE: 'false',
      DATA_DIR: undefined,
      DATABASE_URL: database.url,
      REDIS_URL: SERVER_REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      ADMIN_API_KEY: TEST_ADMIN_KEY,
      API_KEY_HASH_SECRET: 'compat-e2e-hash-secret-0123456789abcdef',
      LITELLM_DISCOVERY_INTERVAL_MS: '0',
      MODELS_FILE: catalogWithDiscoveredRule(dir),
      // The coding request below must take the code_gen route itself, not the safer tier a
      // confidence under the direct-route threshold gives (0.77 with the round-6 model): this suite
      // tests discovered routing, not the classifier's calibration.
      INTENT_MIN_CONF_FOR_DIRECT: '0.6',
    });
    ({ tenantId, key } = await createTenantWithKey(gateway.app.getHttpServer(), TEST_ADMIN_KEY, 'compat'));
  });

  afterAll(async () => {
    await gateway?.close();
    await fake?.close();
    await database?.drop();
    if (prefix) await deleteRedisPrefix(prefix);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => fake.reset());

  const chat = (body: object) =>
    gateway.http.post('/v1/chat/completions').set('authorization', `Bearer ${key}`).send(body);

  it('passes a dated snapshot through to OpenAI and bills it at the estimated family price', async () => {
    const response = await chat({
      model: 'gpt-4o-2024-08-06',
      messages: [{ role: 'user', content: 'Hello, how are you?' }],
    }).expect(200);
    const sent = fake.requests.at(-1)!;
    expect(sent.flavor).toBe('openai');
    expect(sent.body.model).toBe('gpt-4o-2024-08-06');
    const usage = response.body.usage;
    expect(usage.pricing).toBe('estimated');
    const expected = nanoToUsd(
      costNanoUsd(
        { input: 2.5, output: 10 },
        { promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens },
      ),
    );
    expect(response.body.router_metadata.cost_usd).toBeCloseTo(expected, 12);
    expect(response.body.router_metadata.pricing_source).toBe('family gpt-4o (estimated)');
    // The usage row is written (durably) with the pass-through model and that cost.
    const report = await gateway.http
      .get(`/admin/tenants/${tenantId}/usage`)
      .query({ group_by: 'model' })
      .set(admin)
      .expect(200);
    const row = JSON.stringify(report.body);
    expect(row).toContain('openai/gpt-4o-2024-08-06');
  });

  it('refuses a pass-through model outside the tenant allow-list with 404, and serves an allowed one', async () => {
    await gateway.http
      .put(`/admin/tenants/${tenantId}/policy`)
      .set(admin)
      .send({ allowed_models: ['gpt-4o-mini', 'openai/gpt-4o-2024-08-06'] })
      .expect(200);
    try {
      const refused = await chat({ ...quickStart });
      expect(refused.status).toBe(404);
      expect(refused.body.error.code).toBe('model_not_found');
      expect(refused.body.error.message).toContain("not allowed by this tenant's policy");
      expect(fake.requests).toHaveLength(0);
      const allowed = await chat({ model: 'gpt-4o-2024-08-06', messages: [{ role: 'user', content: 'hi' }] });
      expect(allowed.status).toBe(200);
      const auto = await chat({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] }).expect(200);
      expect(auto.body.router_metadata.selected_model).toBe('gpt-4o-mini');
    } finally {
      await gateway.http.delete(`/admin/tenants/${tenantId}/policy`).set(admin).expect(204);
    }
  });

  it('discovers the LiteLLM models at start-up with their /model/info prices and limits', async () => {
    expect(fake.modelListRequests).toEqual(
      expect.arrayContaining(['/litellm/v1/models', '/litellm/model/info']),
    );
    const list = await gateway.http.get('/v1/models').set('authorization', `Bearer ${key}`).expect(200);
    const byId = new Map<string, Record<string, unknown>>(
      list.body.data.map((entry: { id: string }) => [entry.id, entry]),
    );
    expect(byId.get('litellm/llama-3.3-70b')).toEqual(
      expect.objectContaining({
        owned_by: 'litellm',
        context_window: 131072,
        max_output_tokens: 8192,
        pricing: { input_per_1m_usd: 0.1, output_per_1m_usd: 0.3 },
        pricing_kind: 'list',
        pricing_source: 'litellm /model/info',
        capabilities: expect.objectContaining({ tools: true, vision: false }),
        aliases: ['llama-3.3-70b'],
      }),
    );
    // A name the catalog already has stays the catalog's; the LiteLLM one keeps its prefix.
    expect(byId.get('litellm/gpt-4o')).toEqual(
      expect.objectContaining({
        aliases: [],
        pricing_kind: 'estimated',
        pricing_source: 'family gpt-4o (estimated)',
      }),
    );
    expect(byId.get('litellm/house-model')).toEqual(
      expect.objectContaining({ pricing_kind: 'estimated', pricing_source: 'fallback litellm (estimated)' }),
    );
  });

  it('routes a discovered model by its bare id to LiteLLM and bills it at the discovered price', async () => {
    const response = await chat({
      model: 'llama-3.3-70b',
      messages: [{ role: 'user', content: 'Hello' }],
    }).expect(200);
    const sent = fake.requests.at(-1)!;
    expect(sent.flavor).toBe('litellm');
    expect(sent.body.model).toBe('llama-3.3-70b');
    expect(response.body.router_metadata.selected_model).toBe('litellm/llama-3.3-70b');
    expect(response.body.router_metadata.routing_reason).toContain('discovered');
    expect(response.body.router_metadata.pricing).toBeUndefined();
    const usage = response.body.usage;
    expect(response.body.router_metadata.cost_usd).toBeCloseTo(
      nanoToUsd(
        costNanoUsd(
          { input: 0.1, output: 0.3 },
          { promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens },
        ),
      ),
      12,
    );
    // gpt-4o is still the catalog's (OpenAI)
    await chat({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hello' }] }).expect(200);
    expect(fake.requests.at(-1)!.flavor).toBe('openai');
  });

  it('auto-routes to a discovered model whose tier, price and capabilities are known, and falls back off LiteLLM', async () => {
    const list = await gateway.http.get('/v1/models').set('authorization', `Bearer ${key}`).expect(200);
    const byId = new Map<string, Record<string, unknown>>(
      list.body.data.map((entry: { id: string }) => [entry.id, entry]),
    );
    expect(byId.get('litellm/llama-3.3-70b')?.auto_routing).toEqual({
      candidate: true,
      reason: expect.stringContaining(
        "tier standard from discovered rule 'llama-3.3-70b'; price from litellm /model/info",
      ),
      unknown_capabilities: ['json_mode'],
    });
    expect(byId.get('litellm/house-model')?.auto_routing).toEqual({
      candidate: false,
      reason: expect.stringContaining('no tier/quality'),
    });
    const coding = (content: string) => chat({ model: 'auto', messages: [{ role: 'user', content }] });
    const response = await coding(
      'Write a TypeScript function that parses an ISO 8601 duration like P3DT4H into seconds, with unit tests.',
    ).expect(200);
    const metadata = response.body.router_metadata;
    expect(metadata.selected_model).toBe('litellm/llama-3.3-70b');
    expect(fake.requests.at(-1)!.flavor).toBe('litellm');
    expect(fake.requests.at(-1)!.body.model).toBe('llama-3.3-70b');
    expect(metadata.routing_reason).toContain('→ litellm/llama-3.3-70b: cheapest model with');
    expect(metadata.routing_reason).toContain('discovered LiteLLM model: tier standard from discovered rule');
    expect(metadata.pricing).toBeUndefined();
    const usage = response.body.usage;
    const price = { input: 0.1, output: 0.3 };
    const tokens = { promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens };
    expect(metadata.cost_usd).toBeCloseTo(nanoToUsd(costNanoUsd(price, tokens)), 12);
    const report = await gateway.http
      .get(`/admin/tenants/${tenantId}/usage`)
      .query({ group_by: 'model' })
      .set(admin)
      .expect(200);
    expect(JSON.stringify(report.body)).toContain('litellm/llama-3.3-70b');

    // The proxy failing: the router's fallback chain goes on to a catalog model of another provider.
    fake.enqueue({ flavor: 'litellm', status: 503, times: 10 });
    const fallback = await coding(
      'Write a Go function that merges two sorted slices of integers into one sorted slice, with tests.',
    ).expect(200);
    expect(fallback.body.router_metadata.fallbacks_tried[0]).toEqual(
      expect.objectContaining({ provider: 'litellm', model: 'litellm/llama-3.3-70b' }),
    );
    expect(fallback.body.router_metadata.selected_provider).not.toBe('litellm');
  });

  it('picks up changes on the next discovery round (a proxy without /model/info: estimated prices)', async () => {
    fake.setLiteLLMModels([{ id: 'new-model' }], false);
    const discovery = gateway.app.get(LiteLLMDiscoveryService);
    expect(await discovery.refresh()).toBe(1);
    await gateway.http.get('/v1/models/new-model').set('authorization', `Bearer ${key}`).expect(200);
    await gateway.http.get('/v1/models/llama-3.3-70b').set('authorization', `Bearer ${key}`).expect(404);
    const served = await chat({
      model: 'litellm/new-model',
      messages: [{ role: 'user', content: 'hi' }],
    }).expect(200);
    expect(served.body.router_metadata.pricing).toBe('estimated');
  });
});
