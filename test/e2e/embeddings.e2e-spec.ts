import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BudgetEnforcerService } from '../../src/billing/budgets/budget-enforcer.service';
import { UsageRecorderService } from '../../src/billing/usage/usage-recorder.service';
import { authHeader, bootTestApp, TEST_ADMIN_KEY, TestApp } from '../support/app';
import { FakeUpstream, startFakeUpstream } from '../support/fake-upstream';
import { fakeVector } from '../support/fake-upstream/embeddings-format';
import { createTenantWithKey } from '../support/tenants';

/**
 * POST /v1/embeddings end to end: enhanced mode outside TEST_MODE, every provider pointed at the
 * local fake upstream that speaks each real wire format (OpenAI, Mistral, LiteLLM); then the
 * TEST_MODE simulator.
 */

/** The shipped catalog plus a LiteLLM-served embedding model (deployment-specific). */
function catalogWithLiteLLM(dir: string): string {
  const base = readFileSync(join(__dirname, '..', '..', 'config', 'models.yaml'), 'utf8');
  const extra = `embedding_models:
  - id: bge-m3
    provider: litellm
    upstream_id: bge-m3-local
    pricing: { input: 0.01 }
    dimensions: 1024
    max_input_tokens: 8192
`;
  const file = join(dir, 'models.yaml');
  writeFileSync(file, base.replace('embedding_models:\n', extra));
  return file;
}

function decode(base64: string): number[] {
  const bytes = Buffer.from(base64, 'base64');
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i += 4) out.push(bytes.readFloatLE(i));
  return out;
}

describe('/v1/embeddings against the providers wire formats', () => {
  let fake: FakeUpstream;
  let gateway: TestApp;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mm-embed-'));
    fake = await startFakeUpstream();
    gateway = await bootTestApp({
      ...fake.env(),
      MODE: 'enhanced',
      TEST_MODE: 'false',
      MODELS_FILE: catalogWithLiteLLM(dir),
      PROVIDER_MAX_RETRIES: '0',
      ADMIN_API_KEY: TEST_ADMIN_KEY,
    });
  }, 90_000);

  afterAll(async () => {
    await gateway?.close();
    await fake?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => fake.reset());

  const embed = (body: object, key?: string) =>
    gateway.http
      .post('/v1/embeddings')
      .set(key ? { authorization: `Bearer ${key}` } : authHeader)
      .send(body);

  it('OpenAI: a string input, floats, usage and cost', async () => {
    const response = await embed({ model: 'text-embedding-3-small', input: 'hello world' }).expect(200);
    expect(response.body).toMatchObject({
      object: 'list',
      model: 'text-embedding-3-small',
      usage: { prompt_tokens: 2, total_tokens: 2 },
    });
    expect(response.body.data).toHaveLength(1);
    expect(response.body.data[0]).toMatchObject({ object: 'embedding', index: 0 });
    expect(response.body.data[0].embedding).toHaveLength(1536);
    expect(response.body.data[0].embedding[0]).toBeCloseTo(fakeVector('hello world', 1536)[0], 6);
    expect(response.headers['x-modelmuxer-provider']).toBe('openai');
    // 2 tokens × $0.02 / 1M
    expect(Number(response.headers['x-modelmuxer-cost-usd'])).toBeCloseTo(0.00000004, 12);
    const sent = fake.requests[0];
    expect(sent.path).toBe('/openai/v1/embeddings');
    expect(sent.headers.authorization).toBe('Bearer sk-fake-openai');
    expect(sent.body).toEqual({
      model: 'text-embedding-3-small',
      input: ['hello world'],
      encoding_format: 'float',
    });
  });

  it('OpenAI: a list input, base64 encoding, shorter dimensions and user', async () => {
    const response = await embed({
      model: 'text-embedding-3-large',
      input: ['first text', 'second text here'],
      encoding_format: 'base64',
      dimensions: 256,
      user: 'u-1',
    }).expect(200);
    expect(response.body.data.map((item: { index: number }) => item.index)).toEqual([0, 1]);
    const second = decode(response.body.data[1].embedding as string);
    expect(second).toHaveLength(256);
    expect(second[3]).toBeCloseTo(fakeVector('second text here', 256)[3], 6);
    expect(fake.requests[0].body).toMatchObject({ dimensions: 256, user: 'u-1', encoding_format: 'float' });
  });

  it('OpenAI: token-id input is forwarded as it is', async () => {
    const response = await embed({
      model: 'text-embedding-3-small',
      input: [
        [1, 2, 3],
        [4, 5],
      ],
    }).expect(200);
    expect(response.body.data).toHaveLength(2);
    expect(response.body.usage.prompt_tokens).toBe(5);
    expect(fake.requests[0].body.input).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
  });

  it('Mistral: its own request (output_dimension, no unknown fields), answer mapped back', async () => {
    const response = await embed({ model: 'mistral-embed', input: ['bonjour'], user: 'u-2' }).expect(200);
    expect(response.body.model).toBe('mistral-embed');
    expect(response.body.data[0].embedding).toHaveLength(1024);
    expect(fake.requests[0].path).toBe('/mistral/v1/embeddings');
    expect(fake.requests[0].body).toEqual({ model: 'mistral-embed', input: ['bonjour'] });

    const short = await embed({ model: 'codestral-embed', input: 'def f(): pass', dimensions: 512 }).expect(
      200,
    );
    expect(short.body.data[0].embedding).toHaveLength(512);
    expect(fake.requests[1].body).toEqual({
      model: 'codestral-embed-2505',
      input: ['def f(): pass'],
      output_dimension: 512,
    });
  });

  it('Mistral: token ids are refused clearly before any call', async () => {
    const response = await embed({ model: 'mistral-embed', input: [1, 2, 3] }).expect(400);
    expect(response.body.error).toMatchObject({ code: 'unsupported_parameter', param: 'input' });
    expect(fake.requests).toHaveLength(0);
  });

  it('LiteLLM: OpenAI format at the proxy, upstream model name', async () => {
    const response = await embed({ model: 'bge-m3', input: 'local model' }).expect(200);
    expect(response.body.model).toBe('bge-m3');
    expect(response.body.data[0].embedding).toHaveLength(768);
    expect(fake.requests[0].path).toBe('/litellm/v1/embeddings');
    expect(fake.requests[0].body).toMatchObject({ model: 'bge-m3-local', input: ['local model'] });
  });

  it('Anthropic: refused clearly, and /v1/models says so', async () => {
    const response = await embed({ model: 'claude-haiku-4-5', input: 'hi' }).expect(400);
    expect(response.body.error.message).toContain('anthropic has no embeddings API');
    expect(response.body.error.param).toBe('model');
    const models = await gateway.http.get('/v1/models').set(authHeader).expect(200);
    const claude = models.body.data.find((m: { id: string }) => m.id === 'claude-haiku-4-5');
    expect(claude.capabilities).toMatchObject({ embeddings: false, embeddings_api: false });
    const gpt = models.body.data.find((m: { id: string }) => m.id === 'gpt-4o-mini');
    expect(gpt.capabilities).toMatchObject({ embeddings: false, embeddings_api: true });
    const small = models.body.data.find((m: { id: string }) => m.id === 'text-embedding-3-small');
    expect(small).toMatchObject({
      type: 'embedding',
      dimensions: 1536,
      capabilities: { embeddings: true },
      pricing: { input_per_1m_usd: 0.02 },
    });
    expect(fake.requests).toHaveLength(0);
  });

  it.each([
    [{ input: 'x' }, 400, 'model'],
    [{ model: 'text-embedding-3-small' }, 400, 'input'],
    [{ model: 'text-embedding-3-small', input: '' }, 400, 'input'],
    [{ model: 'text-embedding-3-small', input: [] }, 400, 'input'],
    [{ model: 'text-embedding-3-small', input: ['ok', 3] }, 400, 'input[1]'],
    [{ model: 'text-embedding-3-small', input: [[1, -2]] }, 400, 'input[0][1]'],
    [{ model: 'text-embedding-3-small', input: { text: 'x' } }, 400, 'input'],
    [{ model: 'text-embedding-3-small', input: 'x', encoding_format: 'int8' }, 400, 'encoding_format'],
    [{ model: 'text-embedding-3-small', input: 'x', dimensions: 0 }, 400, 'dimensions'],
    [{ model: 'text-embedding-3-small', input: 'x', dimensions: 4096 }, 400, 'dimensions'],
    [{ model: 'text-embedding-ada-002', input: 'x', dimensions: 256 }, 400, 'dimensions'],
    [{ model: 'gpt-4o-mini', input: 'x' }, 400, 'model'],
    [{ model: 'auto', input: 'x' }, 400, 'model'],
    [{ model: 'no-such-model', input: 'x' }, 404, 'model'],
  ])('bad input %j is a %i naming %s, never sent upstream', async (body, status, param) => {
    const response = await embed(body).expect(status);
    expect(response.body.error.param).toBe(param);
    expect(typeof response.body.error.message).toBe('string');
    expect(fake.requests).toHaveLength(0);
  });

  it('an item longer than the model takes is a 400 context_length_exceeded', async () => {
    const long = 'word '.repeat(9000);
    const response = await embed({ model: 'text-embedding-3-small', input: ['short', long] }).expect(400);
    expect(response.body.error).toMatchObject({ code: 'context_length_exceeded', param: 'input' });
  });

  it('upstream errors keep their meaning (429 → 429, 5xx → 502 after retries)', async () => {
    fake.enqueue({ status: 429, retryAfter: 1 });
    const limited = await embed({ model: 'text-embedding-3-small', input: 'x' });
    expect(limited.status).toBe(429);
    expect(limited.body.error.type).toBeDefined();
    fake.enqueue({ status: 500 });
    const failed = await embed({ model: 'mistral-embed', input: 'x' });
    expect(failed.status).toBeGreaterThanOrEqual(500);
    expect(failed.body.error.message).toBeDefined();
  });

  it('bills the tenant: usage row (intent "embeddings"), budget spend, refused past the budget', async () => {
    const admin = { authorization: `Bearer ${TEST_ADMIN_KEY}` };
    const server = gateway.app.getHttpServer();
    const { tenantId, key } = await createTenantWithKey(server, TEST_ADMIN_KEY, 'rag');
    await gateway.http
      .put(`/admin/tenants/${tenantId}/budget`)
      .set(admin)
      .send({ limit_usd: 0.001, period: 'daily' })
      .expect(200);
    const texts = Array.from({ length: 10 }, (_, i) => `document number ${i} about budgets`);
    const response = await embed({ model: 'text-embedding-3-large', input: texts }, key).expect(200);
    const tokens = response.body.usage.prompt_tokens as number;
    expect(tokens).toBe(50);
    await gateway.app.get(UsageRecorderService).flush();
    const budgets = gateway.app.get(BudgetEnforcerService);
    budgets.releaseLeases();
    await budgets.flush();
    const report = await gateway.http
      .get(`/admin/tenants/${tenantId}/usage?group_by=intent`)
      .set(admin)
      .expect(200);
    const row = report.body.groups.find((group: { key: string }) => group.key === 'embeddings');
    expect(row).toMatchObject({ requests: 1, prompt_tokens: 50, completion_tokens: 0 });
    expect(Math.round(row.cost_usd * 1e9)).toBe(50 * 130);
    const budget = await gateway.http.get(`/admin/tenants/${tenantId}/budget`).set(admin).expect(200);
    expect(Math.round(budget.body.spent_usd * 1e9)).toBe(50 * 130);
    // A request whose upper-bound cost does not fit the rest of the budget is refused before any call.
    fake.reset();
    const huge = Array.from({ length: 2000 }, (_, i) => `${'lorem ipsum dolor sit amet '.repeat(20)} ${i}`);
    const refused = await embed({ model: 'text-embedding-3-large', input: huge }, key);
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('budget_exceeded');
    expect(fake.requests).toHaveLength(0);
  });
});

describe('/v1/embeddings in TEST_MODE (the simulator)', () => {
  let gateway: TestApp;

  beforeAll(async () => {
    gateway = await bootTestApp();
  }, 90_000);

  afterAll(async () => {
    await gateway?.close();
  });

  const embed = (body: object) => gateway.http.post('/v1/embeddings').set(authHeader).send(body);

  it('answers deterministic unit vectors of the model length; similar texts are closer', async () => {
    const input = ['How do I reset my password?', 'how do i reset my password', 'Best pizza in Naples'];
    const first = await embed({ model: 'text-embedding-3-small', input }).expect(200);
    const again = await embed({ model: 'text-embedding-3-small', input }).expect(200);
    expect(again.body.data).toEqual(first.body.data);
    const vectors = first.body.data.map((item: { embedding: number[] }) => item.embedding);
    expect(vectors[0]).toHaveLength(1536);
    const dot = (a: number[], b: number[]) => a.reduce((sum, value, i) => sum + value * b[i], 0);
    expect(dot(vectors[0], vectors[0])).toBeCloseTo(1, 5);
    expect(dot(vectors[0], vectors[1])).toBeGreaterThan(0.95);
    expect(dot(vectors[0], vectors[2])).toBeLessThan(0.3);
    const short = await embed({ model: 'text-embedding-3-small', input: 'x y', dimensions: 64 }).expect(200);
    expect(short.body.data[0].embedding).toHaveLength(64);
  });

  it('refuses Anthropic as the real one would', async () => {
    const response = await embed({ model: 'claude-haiku-4-5', input: 'hi' }).expect(400);
    expect(response.body.error.param).toBe('model');
  });
});
