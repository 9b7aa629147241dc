import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { TEST_API_KEY } from '../support/app';
import { startChildGateway, type ChildGateway } from '../support/child-gateway';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';

/**
 * SIGTERM on a real gateway process (src/main.ts, the same signal handling production runs):
 * readiness fails first while the process keeps serving (in-flight streams and new requests),
 * then the server stops accepting, the in-flight stream completes, and the process exits 0. A
 * stream longer than SHUTDOWN_TIMEOUT_MS is cut, and the process still exits 0: the drain is
 * bounded. Embedded database (no Postgres needed); the drain delay is set to 3 s here (5 s by
 * default, 10 s in deploy/k8s), long enough for the probes below on a loaded machine.
 */
const DRAIN_DELAY_MS = 3_000;
const BOOT_TIMEOUT_MS = 120_000;

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** A request whose body is read to its end (or until the connection is cut: `complete` false). */
function send(
  url: string,
  path: string,
  body?: object,
  onData?: (text: string) => void,
): Promise<Reply & { complete: boolean }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      new URL(path, url),
      {
        method: body ? 'POST' : 'GET',
        headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
          onData?.(text);
        });
        const done = (complete: boolean) =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, text, complete });
        response.on('end', () => done(true));
        response.on('error', () => done(false));
        response.on('aborted', () => done(false));
        response.on('close', () => done(false));
      },
    );
    request.on('error', reject);
    request.end(body ? JSON.stringify(body) : undefined);
  });
}

const chat = (stream: boolean) => ({
  model: 'gpt-4o-mini',
  stream,
  messages: [{ role: 'user', content: 'Tell me a long story.' }],
});

async function until(predicate: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await predicate())) await new Promise((resolve) => setTimeout(resolve, 25));
}

describe('SIGTERM on a gateway process', () => {
  let fake: FakeUpstream;
  let gateway: ChildGateway | undefined;

  beforeAll(async () => {
    fake = await startFakeUpstream();
  });
  afterAll(async () => {
    await gateway?.kill('SIGKILL');
    await fake?.close();
  });
  beforeEach(() => fake.reset());

  async function boot(env: Record<string, string>): Promise<ChildGateway> {
    gateway = await startChildGateway(
      {
        ...fake.env(),
        MODE: 'basic',
        TEST_MODE: 'false',
        API_KEYS: TEST_API_KEY,
        DATA_DIR: ':memory:',
        PROVIDER_MAX_RETRIES: '0',
        LOG_LEVEL: 'info',
        ...env,
      },
      { readyTimeoutMs: BOOT_TIMEOUT_MS, compiled: true },
    );
    return gateway;
  }

  it(
    'fails readiness first, keeps serving through the drain delay, finishes the stream, exits 0',
    async () => {
      const child = await boot({
        SHUTDOWN_DRAIN_DELAY_MS: String(DRAIN_DELAY_MS),
        SHUTDOWN_TIMEOUT_MS: '30000',
      });
      expect((await send(child.url, '/health/ready')).status).toBe(200);
      // A stream of ≈ 6 s: it outlives the drain delay, so it is in flight when the server closes.
      fake.setDefault({ completionTokens: 120, chunkWords: 2, chunkDelayMs: 100 });
      let firstChunk = false;
      const stream = send(child.url, '/v1/chat/completions', chat(true), (text) => {
        firstChunk ||= text.includes('data: ');
      });
      await until(() => firstChunk);

      const exited = child.kill('SIGTERM');
      // 1. Readiness fails at once (the signal takes a moment to arrive: poll for it).
      let ready: Reply;
      do ready = await send(child.url, '/health/ready');
      while (ready.status === 200);
      expect(ready.status).toBe(503);
      expect(JSON.parse(ready.text)).toMatchObject({
        error: { code: 'service_unavailable' },
        status: 'shutting_down',
      });
      // 2. ... while a new request is still served, and told to close its connection.
      fake.setDefault({});
      const late = await send(child.url, '/v1/chat/completions', chat(false));
      expect(late.status).toBe(200);
      expect(JSON.parse(late.text).object).toBe('chat.completion');
      expect(late.headers.connection).toBe('close');
      expect((await send(child.url, '/health')).status).toBe(200); // liveness holds while draining

      // 3. The stream that was in flight completes; 4. the process exits 0; 5. nothing listens.
      const streamed = await stream;
      expect(streamed.status).toBe(200);
      expect(streamed.complete).toBe(true);
      expect(streamed.text.trim().endsWith('data: [DONE]')).toBe(true);
      expect(await exited).toEqual({ code: 0, signal: null });
      await expect(send(child.url, '/health')).rejects.toThrow(/ECONNREFUSED/);
      const log = child.output();
      expect(log).toMatch(/"msg":"draining: readiness fails, still serving"/);
      expect(log.indexOf('draining: readiness fails')).toBeLessThan(
        log.indexOf('shutting down: draining requests'),
      );
    },
    BOOT_TIMEOUT_MS + 60_000,
  );

  it(
    'cuts a stream that outlasts SHUTDOWN_TIMEOUT_MS and still exits 0 (the drain is bounded)',
    async () => {
      const child = await boot({ SHUTDOWN_DRAIN_DELAY_MS: '0', SHUTDOWN_TIMEOUT_MS: '1000' });
      // A stream of ≈ 5 minutes: only the shutdown bound can end it within the test's timeout.
      fake.setDefault({ completionTokens: 600, chunkWords: 2, chunkDelayMs: 1_000 });
      let firstChunk = false;
      const stream = send(child.url, '/v1/chat/completions', chat(true), (text) => {
        firstChunk ||= text.includes('data: ');
      });
      await until(() => firstChunk);
      const exited = child.kill('SIGTERM');
      const streamed = await stream;
      expect(streamed.text).not.toContain('data: [DONE]');
      expect(await exited).toEqual({ code: 0, signal: null });
      expect(child.output()).toMatch(/shutdown timeout: closing remaining connections/);
    },
    BOOT_TIMEOUT_MS + 60_000,
  );
});
