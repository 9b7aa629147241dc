import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { UsageRecorderService } from '../../src/billing/usage/usage-recorder.service';
import { bootTestApp, TEST_ADMIN_KEY, TEST_API_KEY, TestApp } from '../support/app';
import { FakeUpstream, startFakeUpstream } from '../support/fake-upstream';
import { createTenantWithKey } from '../support/tenants';
import { createTestDatabase, SERVER_DATABASE_URL, TestDatabase } from '../support/postgres';
import { deleteRedisPrefix, SERVER_REDIS_URL, uniqueRedisPrefix } from '../support/redis';

/**
 * Production mode end to end: Postgres and Redis (the real servers), database-issued keys only,
 * tenant policy, response cache in Redis, tracing exported over OTLP/HTTP — with every provider
 * pointed at the fake upstream, so what reaches a provider can be inspected.
 */
const describeIfShared = SERVER_DATABASE_URL && SERVER_REDIS_URL ? describe : describe.skip;

/** A stand-in OTLP/HTTP collector that keeps what it receives. */
async function startCollector(): Promise<{ url: string; bodies: string[]; close: () => Promise<void> }> {
  const bodies: string[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      bodies.push(body);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/traces`,
    bodies,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describeIfShared('production mode (Postgres, Redis, database keys, policy, cache, tracing)', () => {
  let database: TestDatabase;
  let prefix: string;
  let fake: FakeUpstream;
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let gateway: TestApp;
  let tenantId: string;
  let key: string;
  const admin = { authorization: `Bearer ${TEST_ADMIN_KEY}` };

  beforeAll(async () => {
    database = await createTestDatabase();
    prefix = uniqueRedisPrefix();
    fake = await startFakeUpstream();
    collector = await startCollector();
    gateway = await bootTestApp(
      {
        ...fake.env(),
        MODE: 'production',
        TEST_MODE: 'false',
        DATA_DIR: undefined,
        DATABASE_URL: database.url,
        REDIS_URL: SERVER_REDIS_URL,
        REDIS_KEY_PREFIX: prefix,
        ADMIN_API_KEY: TEST_ADMIN_KEY,
        API_KEY_HASH_SECRET: 'production-e2e-hash-secret-0123456789abcdef',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: collector.url,
        // Every request traced (the default samples 5 % of the traces that start here).
        OTEL_TRACES_SAMPLER: 'parentbased_always_on',
      },
      { listen: true },
    );
    ({ tenantId, key } = await createTenantWithKey(gateway.url, TEST_ADMIN_KEY, 'acme'));
  });

  afterAll(async () => {
    await gateway?.close();
    await fake?.close();
    await collector?.close();
    await database?.drop();
    await deleteRedisPrefix(prefix);
  });

  beforeEach(() => fake.reset());

  const chat = (body: object, auth = key) =>
    gateway.http.post('/v1/chat/completions').set('authorization', `Bearer ${auth}`).send(body);

  it('accepts only database-issued keys (static API_KEYS are ignored)', async () => {
    expect((await chat({ messages: [{ role: 'user', content: 'hi' }] }, TEST_API_KEY)).status).toBe(401);
    const ok = await chat({ messages: [{ role: 'user', content: 'hi' }] });
    expect(ok.status).toBe(200);
    expect(ok.body.router_metadata.simulated).toBeUndefined();
  });

  it('redacts PII before classification and before any provider sees it', async () => {
    await gateway.http
      .put(`/admin/tenants/${tenantId}/policy`)
      .set(admin)
      .send({ pii: { action: 'redact', kinds: ['email', 'credit_card'] } })
      .expect(200);
    const response = await chat({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Email jane.doe@example.com about card 4111 1111 1111 1111.' }],
    }).expect(200);
    expect(response.body.router_metadata.policy_notes).toEqual(['pii_redacted: email×1, credit_card×1']);
    const sent = JSON.stringify(fake.requests.at(-1)?.body);
    expect(sent).toContain('[EMAIL]');
    expect(sent).toContain('[CREDIT_CARD]');
    expect(sent).not.toContain('jane.doe@example.com');
    expect(sent).not.toContain('4111');
  });

  it('redacts PII in every forwarded field: tool calls, tool definitions, user, metadata, input_text', async () => {
    await gateway.http
      .put(`/admin/tenants/${tenantId}/policy`)
      .set(admin)
      .send({ pii: { action: 'redact', kinds: ['email', 'credit_card'] } })
      .expect(200);
    const email = 'jane.doe@example.com';
    const card = '4111 1111 1111 1111';
    await chat({
      model: 'gpt-4o-mini',
      user: email,
      metadata: { owner: email },
      tools: [
        {
          type: 'function',
          function: {
            name: 'charge',
            description: `Charge a card; support: ${email}`,
            parameters: { type: 'object', properties: { card: { type: 'string' } } },
          },
        },
      ],
      messages: [
        { role: 'user', content: [{ type: 'text', text: `Charge ${card}` }] },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'call_1',
              type: 'function',
              function: { name: 'charge', arguments: JSON.stringify({ card, receipt_to: email }) },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: `charged ${card}, receipt sent to ${email}` },
      ],
    }).expect(200);
    const sent = JSON.stringify(fake.requests.at(-1)?.body);
    expect(sent).not.toContain(email);
    expect(sent).not.toContain('4111');
    expect(sent).toContain('"tool_call_id":"call_1"');
  });

  it('blocks PII when the policy says block, naming the kinds', async () => {
    await gateway.http
      .put(`/admin/tenants/${tenantId}/policy`)
      .set(admin)
      .send({ pii: { action: 'block' } })
      .expect(200);
    const response = await chat({ messages: [{ role: 'user', content: 'My SSN is 123-45-6789' }] });
    expect(response.status).toBe(400);
    expect(response.body.error).toEqual(
      expect.objectContaining({ code: 'policy_violation', param: 'messages' }),
    );
    expect(response.body.error.message).toContain('ssn');
    expect(fake.requests).toHaveLength(0);
  });

  it('limits the tenant to its allowed providers', async () => {
    const put = await gateway.http
      .put(`/admin/tenants/${tenantId}/policy`)
      .set(admin)
      .send({ allowed_providers: ['anthropic'] });
    expect(put.body).toEqual(expect.objectContaining({ customised: true }));
    const routed = await chat({
      messages: [{ role: 'user', content: 'Write a haiku about autumn.' }],
    }).expect(200);
    expect(routed.body.router_metadata.selected_provider).toBe('anthropic');
    expect(fake.requests.every((sent) => sent.flavor === 'anthropic')).toBe(true);
    const forbidden = await chat({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
    expect(forbidden.status).toBe(404);
    expect(forbidden.body.error.code).toBe('model_not_found');
  });

  it('validates policies strictly', async () => {
    const unknownField = await gateway.http
      .put(`/admin/tenants/${tenantId}/policy`)
      .set(admin)
      .send({ allowed_providers: ['openai'], colour: 'blue' });
    expect(unknownField.status).toBe(400);
    const unknownModel = await gateway.http
      .put(`/admin/tenants/${tenantId}/policy`)
      .set(admin)
      .send({ blocked_models: ['no-such-model-9000'] });
    expect(unknownModel.status).toBe(400);
    expect(unknownModel.body.error.param).toBe('blocked_models');
    const badRouting = await gateway.http
      .put(`/admin/tenants/${tenantId}/policy`)
      .set(admin)
      .send({ routing: { weights: { cost: -1 } } });
    expect(badRouting.status).toBe(400);
    const policy = await gateway.http.get(`/admin/tenants/${tenantId}/policy`).set(admin).expect(200);
    expect(policy.body.customised).toBe(true);
    await gateway.http.delete(`/admin/tenants/${tenantId}/policy`).set(admin).expect(204);
    const reset = await gateway.http.get(`/admin/tenants/${tenantId}/policy`).set(admin).expect(200);
    expect(reset.body.customised).toBe(false);
  });

  it('applies the tenant policy to /v1/embeddings: allowed models, PII in the input', async () => {
    const embed = (body: object) =>
      gateway.http.post('/v1/embeddings').set('authorization', `Bearer ${key}`).send(body);
    await gateway.http
      .put(`/admin/tenants/${tenantId}/policy`)
      .set(admin)
      .send({ allowed_providers: ['mistral'], pii: { action: 'redact', kinds: ['email'] } })
      .expect(200);
    const refused = await embed({ model: 'text-embedding-3-small', input: 'hi' }).expect(400);
    expect(refused.body.error).toMatchObject({ code: 'policy_violation', param: 'model' });
    const redacted = await embed({ model: 'mistral-embed', input: ['write to jane.doe@example.com'] }).expect(
      200,
    );
    expect(redacted.headers['x-modelmuxer-policy-notes']).toBe('pii_redacted: email×1');
    expect(JSON.stringify(fake.requests.at(-1)?.body)).not.toContain('jane.doe@example.com');
    const tokens = await embed({ model: 'mistral-embed', input: [1, 2, 3] }).expect(400);
    expect(tokens.body.error.code).toBe('policy_violation');
    await gateway.http
      .put(`/admin/tenants/${tenantId}/policy`)
      .set(admin)
      .send({ blocked_models: ['mistral-embed'] })
      .expect(200);
    expect((await embed({ model: 'mistral-embed', input: 'x' })).status).toBe(400);
    expect((await embed({ model: 'text-embedding-3-small', input: 'x' })).status).toBe(200);
    await gateway.http.delete(`/admin/tenants/${tenantId}/policy`).set(admin).expect(204);
  });

  it('serves a repeated deterministic request from the Redis cache at zero cost', async () => {
    const body = {
      model: 'gpt-4o-mini',
      temperature: 0,
      messages: [{ role: 'user', content: 'Capital of France?' }],
    };
    const first = await chat(body).expect(200);
    expect(first.body.router_metadata.cache_hit).toBe(false);
    const second = await chat(body).expect(200);
    expect(second.body.router_metadata.cache_hit).toBe(true);
    expect(second.body.router_metadata.cost_usd).toBe(0);
    expect(second.headers['x-modelmuxer-cache']).toBe('HIT');
    expect(second.body.choices).toEqual(first.body.choices);
    expect(fake.requests).toHaveLength(1);
    // The usage report records the hit and what it saved (the original call's cost).
    await gateway.app.get(UsageRecorderService).flush();
    const usage = await gateway.http.get(`/admin/tenants/${tenantId}/usage`).set(admin).expect(200);
    expect(usage.body.totals.cache_hits).toBeGreaterThanOrEqual(1);
    expect(usage.body.totals.saved_usd).toBeCloseTo(first.body.router_metadata.cost_usd, 9);
    // A sampling request is not cached.
    await chat({ ...body, temperature: 0.9 }).expect(200);
    await chat({ ...body, temperature: 0.9 }).expect(200);
    expect(fake.requests).toHaveLength(3);
  });

  it('follows the tenant cache policy: semantic by default, exact only, off, stricter threshold', async () => {
    const question = 'What is the chemical symbol of gold?';
    const paraphrase = 'Can you tell me what the chemical symbol of gold is?';
    const ask = (content: string) =>
      chat({ model: 'gpt-4o-mini', temperature: 0, messages: [{ role: 'user', content }] }).expect(200);
    const setCache = (cache: object | null) =>
      gateway.http.put(`/admin/tenants/${tenantId}/policy`).set(admin).send({ cache }).expect(200);
    await ask(question);
    expect((await ask(paraphrase)).headers['x-modelmuxer-cache']).toBe('SEMANTIC_HIT');
    await setCache({ mode: 'exact' });
    expect((await ask(question)).headers['x-modelmuxer-cache']).toBe('HIT');
    expect((await ask(`Please, ${paraphrase}`)).headers['x-modelmuxer-cache']).toBe('MISS');
    await setCache({ enabled: false });
    expect((await ask(question)).headers['x-modelmuxer-cache']).toBe('BYPASS');
    await setCache({ threshold: 0.999 });
    expect((await ask(`${paraphrase} Thanks`)).headers['x-modelmuxer-cache']).toBe('MISS');
    const invalid = await gateway.http
      .put(`/admin/tenants/${tenantId}/policy`)
      .set(admin)
      .send({ cache: { threshold: 2, mode: 'fuzzy' } });
    expect(invalid.status).toBe(400);
    const purged = await gateway.http.delete(`/admin/tenants/${tenantId}/cache`).set(admin).expect(200);
    expect(purged.body.purged).toBe(true);
    await setCache(null);
    expect((await ask(question)).headers['x-modelmuxer-cache']).toBe('MISS');
    await gateway.http.delete(`/admin/tenants/${tenantId}/policy`).set(admin).expect(204);
  });

  it('exports a span per request to the OTLP collector', async () => {
    await chat({ messages: [{ role: 'user', content: 'Translate "good morning" into German.' }] }).expect(
      200,
    );
    // Spans are batched; a graceful shutdown flushes them (checked after close in afterAll is too late),
    // so wait for the exporter's scheduled flush.
    const deadline = Date.now() + 10_000;
    while (
      Date.now() < deadline &&
      !collector.bodies.some((body) => body.includes('POST /v1/chat/completions'))
    ) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    interface ExportedSpan {
      name: string;
      traceId: string;
      spanId: string;
      parentSpanId?: string;
    }
    const spans: ExportedSpan[] = collector.bodies.flatMap((body) =>
      (
        JSON.parse(body) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: ExportedSpan[] }> }> }
      ).resourceSpans
        .flatMap((resource) => resource.scopeSpans)
        .flatMap((scope) => scope.spans),
    );
    // The last request of this test (earlier ones include a 401 with no pipeline spans).
    const root = spans.filter((span) => span.name === 'POST /v1/chat/completions').at(-1);
    expect(root).toBeDefined();
    // The request span is the parent of the pipeline steps' spans (the policy step is the GenAI
    // spec's apply_guardrail; intent classification is modelmuxer.classify); the provider
    // attempt ("chat <model>") is in the same trace, below its step.
    const children = spans.filter((span) => span.parentSpanId === root!.spanId).map((span) => span.name);
    expect(children).toEqual(
      expect.arrayContaining(['apply_guardrail', 'modelmuxer.classify', 'modelmuxer.execute']),
    );
    const trace = spans.filter((span) => span.traceId === root!.traceId).map((span) => span.name);
    expect(trace).toEqual(expect.arrayContaining([expect.stringMatching(/^chat /)]));
  });

  it("continues a client's W3C trace context and exports the service's resource", async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parentSpanId = '00f067aa0ba902b7';
    await gateway.http
      .post('/v1/chat/completions')
      .set('authorization', `Bearer ${key}`)
      .set('traceparent', `00-${traceId}-${parentSpanId}-01`)
      .send({ messages: [{ role: 'user', content: 'What is the capital of France?' }] })
      .expect(200);
    interface Exported {
      resource: { attributes: Array<{ key: string; value: { stringValue?: string; intValue?: number } }> };
      scopeSpans: Array<{ spans: Array<{ name: string; traceId: string; parentSpanId?: string }> }>;
    }
    const exported = (): Exported[] =>
      collector.bodies.flatMap((body) => (JSON.parse(body) as { resourceSpans: Exported[] }).resourceSpans);
    const continued = () =>
      exported()
        .flatMap((resource) => resource.scopeSpans.flatMap((scope) => scope.spans))
        .find((span) => span.traceId === traceId && span.name === 'POST /v1/chat/completions');
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && !continued()) await new Promise((resolve) => setTimeout(resolve, 200));
    // The request span joins the client's trace, as a child of the client's span.
    expect(continued()).toMatchObject({ traceId, parentSpanId });
    const attributes = new Map(
      exported()[0].resource.attributes.map((attribute) => [attribute.key, attribute.value]),
    );
    expect(attributes.get('service.name')?.stringValue).toBeTruthy();
    expect(attributes.get('service.version')?.stringValue).toBeTruthy();
    expect(attributes.has('process.pid')).toBe(true);
  });

  it('keeps /health/ready green with Postgres and Redis', async () => {
    const ready = await request(gateway.url).get('/health/ready').set(admin).expect(200);
    expect(ready.body.details.redis.status).toBe('up');
    expect(ready.body.details.database.status).toBe('up');
  });
});
