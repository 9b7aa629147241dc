import { getToken } from '@willsoto/nestjs-prometheus';
import { connect } from 'node:net';
import type { Counter } from 'prom-client';
import request from 'supertest';
import { METRIC } from '../../src/telemetry/metrics';
import { authHeader, TEST_ADMIN_KEY } from '../support/app';
import { FakeUpstream, startFakeUpstream } from '../support/fake-upstream';
import { bootLoggedApp, LoggedApp } from '../support/log-capture';
import { createTenantWithKey } from '../support/tenants';

const BOOT_TIMEOUT_MS = 90_000;

/**
 * Issue 14, "Metrics for every outcome": every status the gateway can answer is counted in
 * modelmuxer_http_requests_total with its route template, status class and OpenAI error code,
 * and has an access-log line — refusals by the guards (401/403/429), body-parser errors
 * (400/413/415) answered before routing, 404/405, the parser's own 431, upstream failures
 * (5xx), a client that went away mid-stream (499), admin and health routes.
 */
describe('HTTP telemetry: every response is counted and logged', () => {
  let fake: FakeUpstream;
  let gateway: LoggedApp;
  let counter: Counter<string>;
  let limitedKey: string;
  let suspendedKey: string;
  const admin = { authorization: `Bearer ${TEST_ADMIN_KEY}` };
  const chatBody = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] };

  beforeAll(async () => {
    fake = await startFakeUpstream();
    gateway = await bootLoggedApp({
      ...fake.env(),
      TEST_MODE: 'false',
      PROVIDER_MAX_RETRIES: '0',
      ADMIN_API_KEY: TEST_ADMIN_KEY,
      BODY_LIMIT: '4kb',
      PROVIDER_FIRST_BYTE_TIMEOUT_MS: '1000',
    });
    counter = gateway.app.get<Counter<string>>(getToken(METRIC.httpRequests));
    const server = gateway.app.getHttpServer();
    limitedKey = (await createTenantWithKey(server, TEST_ADMIN_KEY, 'limited', { rateLimitRpm: 1 })).key;
    const suspended = await createTenantWithKey(server, TEST_ADMIN_KEY, 'suspended');
    suspendedKey = suspended.key;
    await request(server)
      .patch(`/admin/tenants/${suspended.tenantId}`)
      .set(admin)
      .send({ status: 'suspended' })
      .expect(200);
  }, BOOT_TIMEOUT_MS);

  afterAll(async () => {
    await gateway?.close();
    await fake?.close();
  });

  beforeEach(() => fake.reset());

  async function count(labels: Record<string, string>): Promise<number> {
    const metric = await counter.get();
    return metric.values
      .filter((value) => Object.entries(labels).every(([name, want]) => value.labels[name] === want))
      .reduce((sum, value) => sum + value.value, 0);
  }

  /** The access-log line of a request id; waits for it (the line is written at 'finish'). */
  async function accessLine(requestId: string): Promise<Record<string, unknown>> {
    for (;;) {
      const line = gateway.logs
        .records()
        .find((record) => record.context === 'Access' && record.requestId === requestId);
      if (line) return line;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  interface Case {
    name: string;
    status: number;
    route: string;
    code: string;
    send(requestId: string): Promise<unknown>;
  }

  const http = () => gateway.http;
  const chat = (id: string) => http().post('/v1/chat/completions').set('x-request-id', id);
  const cases: Case[] = [
    {
      name: 'liveness',
      status: 200,
      route: '/health',
      code: 'none',
      send: (id) => http().get('/health').set('x-request-id', id),
    },
    {
      name: 'readiness',
      status: 200,
      route: '/health/ready',
      code: 'none',
      send: (id) => http().get('/health/ready').set('x-request-id', id),
    },
    {
      name: 'metrics',
      status: 200,
      route: '/metrics/prometheus',
      code: 'none',
      send: (id) => http().get('/metrics/prometheus').set('x-request-id', id),
    },
    {
      name: 'a completion',
      status: 200,
      route: '/v1/chat/completions',
      code: 'none',
      send: (id) => chat(id).set(authHeader).send(chatBody),
    },
    {
      name: 'a stream',
      status: 200,
      route: '/v1/chat/completions',
      code: 'none',
      send: (id) =>
        chat(id)
          .set(authHeader)
          .send({ ...chatBody, stream: true }),
    },
    {
      name: 'a stream failing after its first chunk',
      status: 200,
      route: '/v1/chat/completions',
      code: 'provider_stream_error',
      send: (id) => {
        fake.setDefault({ failAfterEvents: 2, failMode: 'error_event' });
        return chat(id)
          .set(authHeader)
          .send({ ...chatBody, stream: true });
      },
    },
    {
      name: 'admin create',
      status: 201,
      route: '/admin/tenants',
      code: 'none',
      send: (id) =>
        http().post('/admin/tenants').set('x-request-id', id).set(admin).send({ name: 'created' }),
    },
    {
      name: 'malformed JSON (body parser)',
      status: 400,
      route: '/v1/chat/completions',
      code: 'invalid_json',
      send: (id) => chat(id).set(authHeader).set('content-type', 'application/json').send('{"model":'),
    },
    {
      name: 'an invalid body',
      status: 400,
      route: '/v1/chat/completions',
      code: 'invalid_value',
      send: (id) => chat(id).set(authHeader).send({ model: 'gpt-4o-mini' }),
    },
    {
      name: 'no API key (guard)',
      status: 401,
      route: '/v1/chat/completions',
      code: 'invalid_api_key',
      send: (id) => chat(id).send(chatBody),
    },
    {
      name: 'a wrong admin key',
      status: 401,
      route: '/admin/tenants',
      code: 'invalid_api_key',
      send: (id) =>
        http()
          .get('/admin/tenants')
          .set('x-request-id', id)
          .set('authorization', 'Bearer not-the-admin-key-0123'),
    },
    {
      name: 'a client key on the admin API',
      status: 403,
      route: '/admin/tenants',
      code: 'permission_denied',
      send: (id) => http().get('/admin/tenants').set('x-request-id', id).set(authHeader),
    },
    {
      name: 'a suspended tenant (guard)',
      status: 403,
      route: '/v1/chat/completions',
      code: 'tenant_suspended',
      send: (id) => chat(id).set('authorization', `Bearer ${suspendedKey}`).send(chatBody),
    },
    {
      name: 'an unknown path',
      status: 404,
      route: 'unmatched',
      code: 'not_found',
      send: (id) => http().get(`/wp-admin/${id}`).set('x-request-id', id),
    },
    {
      name: 'an unknown model',
      status: 404,
      route: '/v1/models/*id',
      code: 'model_not_found',
      send: (id) => http().get('/v1/models/nope').set('x-request-id', id).set(authHeader),
    },
    {
      name: 'a wrong method',
      status: 405,
      route: '/v1/chat/completions',
      code: 'method_not_allowed',
      send: (id) => http().delete('/v1/chat/completions').set('x-request-id', id).set(authHeader),
    },
    {
      name: 'a duplicate tenant',
      status: 409,
      route: '/admin/tenants',
      code: 'conflict',
      send: (id) =>
        http().post('/admin/tenants').set('x-request-id', id).set(admin).send({ name: 'limited' }),
    },
    {
      name: 'a body over BODY_LIMIT (body parser)',
      status: 413,
      route: '/v1/chat/completions',
      code: 'payload_too_large',
      send: (id) =>
        chat(id)
          .set(authHeader)
          .send({ ...chatBody, padding: 'x'.repeat(8_000) }),
    },
    {
      name: 'an unsupported charset (body parser)',
      status: 415,
      route: '/v1/chat/completions',
      code: 'invalid_request',
      send: (id) =>
        chat(id).set(authHeader).set('content-type', 'application/json; charset=klingon').send('{}'),
    },
    {
      name: 'over the rate limit (guard)',
      status: 429,
      route: '/v1/chat/completions',
      code: 'rate_limit_exceeded',
      send: async (id) => {
        await http().post('/v1/chat/completions').set('authorization', `Bearer ${limitedKey}`).send(chatBody);
        return chat(id).set('authorization', `Bearer ${limitedKey}`).send(chatBody);
      },
    },
    {
      name: 'an upstream failure',
      status: 502,
      route: '/v1/chat/completions',
      code: 'provider_unavailable',
      send: (id) => {
        fake.setDefault({ status: 500 });
        return chat(id).set(authHeader).send(chatBody);
      },
    },
    {
      name: 'an upstream that never answers',
      status: 504,
      route: '/v1/chat/completions',
      code: 'provider_timeout',
      send: (id) => {
        fake.setDefault({ hang: true });
        return chat(id).set(authHeader).send(chatBody);
      },
    },
  ];

  it.each(cases)('$name: $status $code on $route', async ({ status, route, code, send }) => {
    const id = `case-${status}-${Math.random().toString(36).slice(2)}`;
    const labels = {
      route,
      status: String(status),
      status_class: `${Math.floor(status / 100)}xx`,
      error_code: code,
    };
    const before = await count(labels);
    const response = (await send(id)) as { status: number; body: { error?: { code?: string } } };
    expect(response.status).toBe(status);
    if (status >= 400) expect(response.body.error?.code).toBe(code);
    const line = await accessLine(id);
    expect(line).toMatchObject({ msg: 'request', route, status });
    if (code !== 'none') expect(line.errorCode).toBe(code);
    expect(await count(labels)).toBe(before + 1);
  });

  // Regression: matching a route template decodes the path's parameters, which threw on malformed
  // percent-encoding inside the response's 'finish' handler (an uncaught exception).
  it.each(['/v1/models/%ff%fe', '/v1/models/%', '/%E0%A4%A'])(
    'a malformed percent-encoded path (%s) is answered, counted and logged, and the process lives',
    async (path) => {
      const id = `bad-path-${Math.random().toString(36).slice(2)}`;
      const response = await http().get(path).set('x-request-id', id).set(authHeader);
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      const line = await accessLine(id);
      expect(line).toMatchObject({ msg: 'request', status: response.status });
      await http().get('/health').expect(200);
    },
  );

  it('499: a client that goes away mid-stream', async () => {
    fake.setDefault({ chunkDelayMs: 200, completionTokens: 200 });
    const labels = { route: '/v1/chat/completions', status: '499', error_code: 'client_closed' };
    const before = await count(labels);
    const id = 'case-499';
    const controller = new AbortController();
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...authHeader, 'content-type': 'application/json', 'x-request-id': id },
      body: JSON.stringify({ ...chatBody, stream: true }),
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    await reader.read();
    controller.abort();
    const line = await accessLine(id);
    expect(line).toMatchObject({ status: 499, errorCode: 'client_closed' });
    expect(await count(labels)).toBe(before + 1);
  });

  it("431: headers too large, refused by Node's HTTP parser", async () => {
    const labels = { route: 'unmatched', status: '431', error_code: 'invalid_request' };
    const before = await count(labels);
    const port = Number(new URL(gateway.url).port);
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(`GET /health HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`);
      });
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(reply).toMatch(/^HTTP\/1.1 431/);
    expect(await count(labels)).toBe(before + 1);
    expect(gateway.logs.records()).toContainEqual(
      expect.objectContaining({ context: 'Access', status: 431, route: 'unmatched' }),
    );
  });
});
