import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { FakeUpstream, startFakeUpstream } from '../support/fake-upstream';
import { authHeader } from '../support/app';
import { bootLoggedApp, LoggedApp } from '../support/log-capture';
import { sseEvents, sseText } from '../support/sse';

/** Booting a gateway on the embedded database takes a while on a busy 2-core machine. */
const BOOT_TIMEOUT_MS = 90_000;

/**
 * Issue 11, "Leaks": what an upstream says in an error is untrusted. An upstream behind a
 * misconfigured proxy answered with its database host and password; that text reached the
 * client and the log verbatim. Now the client reads our own words (a scrubbed excerpt only for
 * 400/422), keeps the upstream's request id, and the log has the scrubbed message only.
 */
const SECRETS = ['db-primary', ':5432', 'Sup3rS3cret', '10.20.30.40', 'org-7fQ2x9', 'sk-live-'];
const LEAKY =
  'connection to db-primary.internal:5432 failed: password=Sup3rS3cret via 10.20.30.40 ' +
  'for org-7fQ2x9 (key sk-live-0123456789abcdef)';

function expectNoSecret(text: string): void {
  for (const secret of SECRETS) expect(text).not.toContain(secret);
}

function openAIError(message: string, param: string | null = null) {
  return { error: { message, type: 'invalid_request_error', param, code: null } };
}

describe('upstream errors reach neither the client nor the log verbatim', () => {
  let fake: FakeUpstream;
  let gateway: LoggedApp;

  beforeAll(async () => {
    fake = await startFakeUpstream();
    gateway = await bootLoggedApp({ ...fake.env(), TEST_MODE: 'false', PROVIDER_MAX_RETRIES: '0' });
  }, BOOT_TIMEOUT_MS);

  afterAll(async () => {
    await gateway?.close();
    await fake?.close();
  });

  beforeEach(() => fake.reset());

  const chat = (body: object = {}) =>
    gateway.http
      .post('/v1/chat/completions')
      .set(authHeader)
      .send({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], ...body });

  it.each([500, 503, 429, 404, 402])(
    'answers an upstream %i with our own message and the upstream request id',
    async (status) => {
      fake.setDefault({ status, errorBody: openAIError(LEAKY) });
      const response = await chat();
      expect(response.status).toBeGreaterThanOrEqual(400);
      expectNoSecret(JSON.stringify(response.body));
      const ids = fake.requests.map((sent) => sent.upstreamRequestId);
      expect(ids).toContain(response.body.error.upstream_request_id);
      expect(response.body.error.message).toContain(`HTTP ${status}`);
      const logged = gateway.logs.records(); // every line is JSON
      expectNoSecret(gateway.logs.lines.join('\n'));
      expect(logged).toContainEqual(
        expect.objectContaining({
          msg: 'upstream error',
          upstream_request_id: ids[0],
          upstream_status: status,
        }),
      );
    },
  );

  it('passes a provider 400 through scrubbed, with the parameter it names', async () => {
    fake.setDefault({
      status: 400,
      errorBody: openAIError(`Invalid 'temperature': must be <= 2. Upstream ${LEAKY}`, 'temperature'),
    });
    const response = await chat().expect(400);
    expect(response.body.error).toEqual(
      expect.objectContaining({ code: 'provider_bad_request', param: 'temperature' }),
    );
    expect(response.body.error.message).toMatch(/^openai: Invalid 'temperature': must be <= 2\. Upstream/);
    expect(response.body.error.message).toContain('password=[redacted]');
    expectNoSecret(JSON.stringify(response.body));
    expect(response.body.error.upstream_request_id).toBe(fake.requests[0].upstreamRequestId);
    expectNoSecret(gateway.logs.lines.join('\n'));
  });

  it('ends a stream that fails mid-way with our own error event, keeping the upstream request id', async () => {
    fake.setDefault({ completionTokens: 40, chunkWords: 2, failAfterEvents: 3, streamErrorMessage: LEAKY });
    const response = await chat({ stream: true }).buffer(true).parse(sseText).expect(200);
    const events = sseEvents(response.body as string);
    const last = JSON.parse(events[events.length - 1]) as { error: Record<string, unknown> };
    expect(last.error).toEqual(
      expect.objectContaining({
        code: 'provider_stream_error',
        upstream_request_id: fake.requests[0].upstreamRequestId,
      }),
    );
    expectNoSecret(response.body as string);
  });
});

describe('transport errors do not echo the upstream address', () => {
  it(
    'names the provider and the error code only',
    async () => {
      const closedPort = await new Promise<number>((resolve) => {
        const server = createServer().listen(0, '127.0.0.1', () => {
          const { port } = server.address() as AddressInfo;
          server.close(() => resolve(port));
        });
      });
      const gateway = await bootLoggedApp({
        TEST_MODE: 'false',
        PROVIDER_MAX_RETRIES: '0',
        OPENAI_API_KEY: 'sk-fake-openai',
        OPENAI_BASE_URL: `http://127.0.0.1:${closedPort}/v1`,
      });
      try {
        const response = await gateway.http
          .post('/v1/chat/completions')
          .set(authHeader)
          .send({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
        expect(response.status).toBe(502);
        expect(response.body.error.message).toBe('could not reach openai (ECONNREFUSED)');
        expect(JSON.stringify(response.body)).not.toContain(String(closedPort));
        gateway.logs.records();
        expect(gateway.logs.lines.join('\n')).not.toContain(String(closedPort));
      } finally {
        await gateway.close();
      }
    },
    BOOT_TIMEOUT_MS,
  );
});
