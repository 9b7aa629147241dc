import { DataSource } from 'typeorm';
import { UsageRecorderService } from '../../src/billing/usage/usage-recorder.service';
import { DecisionLogService } from '../../src/routing/lab/decision-log.service';
import { authHeader } from '../support/app';
import { bootLoggedApp, LoggedApp } from '../support/log-capture';

const BOOT_TIMEOUT_MS = 90_000;

/**
 * Found by attacking the gateway with control characters (2026-12-03): one request with
 * `"model": "gpt-4o-mini\u0000x"` was routed to OpenAI by its prefix, answered 500 (Node refused
 * the name in the x-modelmuxer-model header), and its usage row — a NUL in a Postgres text column —
 * made the database refuse the whole usage batch, again on every retry: every other request's
 * usage (and with it budgets and reports) stayed stuck behind it, and the routing decision log the
 * same. Now model names with control or non-ASCII characters are a 400 on every endpoint, the
 * batched writers store NUL in any other string as U+FFFD, and a row the database still refuses is
 * dropped alone instead of holding back its batch.
 */
describe('NUL and control characters in requests', () => {
  let gateway: LoggedApp;

  beforeAll(async () => {
    gateway = await bootLoggedApp({ MODE: 'enhanced', LOG_LEVEL: 'info', RATE_LIMIT_RPM: '0' });
  }, BOOT_TIMEOUT_MS);
  afterAll(() => gateway?.close());

  const BAD_MODELS = [
    'gpt-4o-mini\u0000x',
    'gpt-4o-mini\r\nx-injected: 1',
    'gpt-4o-mini\u0007',
    'gpt-4o-迷你',
    'claude-🦜',
  ];

  it.each(BAD_MODELS)(
    'refuses the model name %j with a 400 naming the parameter, on every endpoint',
    async (model) => {
      const expectModelError = (body: { error?: Record<string, unknown> }) => {
        expect(body.error).toEqual(
          expect.objectContaining({ param: 'model', message: expect.stringMatching(/printable ASCII/) }),
        );
        expect(body.error).toHaveProperty('code');
      };
      const chat = await gateway.http
        .post('/v1/chat/completions')
        .set(authHeader)
        .send({ model, messages: [{ role: 'user', content: 'hi' }] });
      expect(chat.status).toBe(400);
      expectModelError(chat.body);
      // The class-validator path (response_format is left to it by the fast check) says the same.
      const validated = await gateway.http
        .post('/v1/chat/completions')
        .set(authHeader)
        .send({ model, messages: [{ role: 'user', content: 'hi' }], response_format: { type: 'text' } });
      expect(validated.status).toBe(400);
      expectModelError(validated.body);
      const embeddings = await gateway.http
        .post('/v1/embeddings')
        .set(authHeader)
        .send({ model, input: 'hi' });
      expect(embeddings.status).toBe(400);
      expectModelError(embeddings.body);
      const messages = await gateway.http
        .post('/v1/messages')
        .set(authHeader)
        .send({ model, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] });
      expect(messages.status).toBe(400);
      expect(JSON.stringify(messages.body)).toMatch(/printable ASCII/);
    },
  );

  it('answers NUL elsewhere in a request, and loses no usage row or routing decision over it', async () => {
    const usage = gateway.app.get(UsageRecorderService);
    const decisions = gateway.app.get(DecisionLogService);
    const db = gateway.app.get(DataSource);
    const count = async (table: string) =>
      (await db.query(`SELECT count(*)::int AS n FROM ${table}`))[0].n as number;
    await usage.flush();
    await decisions.flush();
    const before = { usage: await count('usage_records'), decisions: await count('routing_decisions') };
    const bodies = [
      { model: 'auto', messages: [{ role: 'user', content: 'hi \u0000 there' }] },
      { model: 'auto', user: 'u\u0000', messages: [{ role: 'user', content: 'hi' }] },
      { model: 'auto', messages: [{ role: 'user', content: 'hello', name: 'a\u0000' }] },
      {
        model: 'auto',
        messages: [
          { role: 'system', content: '\u0000'.repeat(50) },
          { role: 'user', content: 'x' },
        ],
      },
      { model: 'auto', messages: [{ role: 'user', content: 'a normal request' }] },
    ];
    for (const body of bodies) {
      const response = await gateway.http.post('/v1/chat/completions').set(authHeader).send(body);
      expect(response.status).toBe(200);
    }
    await usage.flush();
    await decisions.flush();
    expect(await count('usage_records')).toBe(before.usage + bodies.length);
    expect(await count('routing_decisions')).toBe(before.decisions + bodies.length);
    expect(usage.stats()).toMatchObject({ buffered: 0, dropped: 0, flushErrors: 0 });
    expect(decisions.stats()).toMatchObject({ buffered: 0, dropped: 0, flushErrors: 0 });
    expect(gateway.logs.lines.join('\n')).not.toMatch(/invalid byte sequence|unsupported Unicode escape/);
  });

  it('answers a special-token string in the model or a tool name (the simulator counted it as a special token: 500)', async () => {
    const response = await gateway.http
      .post('/v1/chat/completions')
      .set(authHeader)
      .send({ model: 'gpt-4o-mini<|endoftext|>', messages: [{ role: 'user', content: '<|endoftext|>' }] });
    expect(response.status).toBe(200);
    expect(response.body.usage.completion_tokens).toBeGreaterThan(0);
  });
});
