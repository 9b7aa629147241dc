import { request as httpRequest } from 'node:http';
import { Client } from 'pg';
import { authHeader, bootTestApp, TestApp } from '../support/app';
import { FakeUpstream, startFakeUpstream } from '../support/fake-upstream';
import { createTestDatabase, describeIfPostgres } from '../support/postgres';

/** Client disconnects and graceful shutdown, over real sockets, against the fake upstream. */
describe('request lifecycle', () => {
  let fake: FakeUpstream;

  beforeAll(async () => {
    fake = await startFakeUpstream();
  });
  afterAll(async () => fake.close());
  beforeEach(() => fake.reset());

  async function boot(): Promise<TestApp> {
    return bootTestApp({ ...fake.env(), TEST_MODE: 'false', PROVIDER_MAX_RETRIES: '0' }, { listen: true });
  }

  function post(
    url: string,
    body: object,
  ): { response: Promise<{ status: number; text: string }>; abort: () => void } {
    const target = new URL('/v1/chat/completions', url);
    let abort = () => undefined as void;
    const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = httpRequest(
        target,
        { method: 'POST', headers: { ...authHeader, 'content-type': 'application/json' } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      abort = () => req.destroy();
      req.end(JSON.stringify(body));
    });
    return { response, abort };
  }

  describe('client disconnects', () => {
    let gateway: TestApp;
    beforeAll(async () => {
      gateway = await boot();
    });
    afterAll(async () => gateway.close());

    it('aborts the upstream call when the client disconnects mid-stream', async () => {
      fake.setDefault({ completionTokens: 400, chunkWords: 2, chunkDelayMs: 25 });
      const call = post(gateway.url, {
        model: 'gpt-4o-mini',
        stream: true,
        messages: [{ role: 'user', content: 'Tell me a long story.' }],
      });
      call.response.catch(() => undefined);
      await fake.waitFor(() => fake.requests.length === 1);
      await new Promise((resolve) => setTimeout(resolve, 150));
      call.abort();
      await fake.waitFor(() => fake.requests[0].aborted, 5_000);
      expect(fake.requests[0].completed).toBe(false);
    });

    it('aborts the upstream call when the client gives up on a non-streaming request', async () => {
      fake.setDefault({ latencyMs: 5_000 });
      const call = post(gateway.url, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
      call.response.catch(() => undefined);
      await fake.waitFor(() => fake.requests.length === 1);
      call.abort();
      await fake.waitFor(() => fake.requests[0].aborted, 5_000);
    });
  });

  it('finishes in-flight requests and streams on shutdown, then stops accepting', async () => {
    const gateway = await boot();
    fake.setDefault({ latencyMs: 300, completionTokens: 30, chunkWords: 3, chunkDelayMs: 20 });
    const plain = post(gateway.url, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    const streamed = post(gateway.url, {
      model: 'gpt-4o-mini',
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    });
    await fake.waitFor(() => fake.requests.length === 2);
    const closing = gateway.close(); // what SIGTERM triggers after the drain delay (handleShutdownSignals → app.close)
    const [plainResult, streamResult] = await Promise.all([plain.response, streamed.response]);
    await closing;
    expect(plainResult.status).toBe(200);
    expect(JSON.parse(plainResult.text).object).toBe('chat.completion');
    expect(streamResult.status).toBe(200);
    expect(streamResult.text.trim().endsWith('data: [DONE]')).toBe(true);
    await expect(
      post(gateway.url, { messages: [{ role: 'user', content: 'late' }] }).response,
    ).rejects.toThrow(/ECONNREFUSED|ECONNRESET|socket hang up/);
  }, 60_000); // booting the embedded database takes 20 s on a loaded 2-core machine

  describeIfPostgres('on Postgres', () => {
    it('records the usage of requests that were in flight at shutdown (SIGTERM loses nothing)', async () => {
      const database = await createTestDatabase();
      try {
        const gateway = await bootTestApp(
          {
            ...fake.env(),
            TEST_MODE: 'false',
            DATA_DIR: undefined,
            DATABASE_URL: database.url,
            USAGE_FLUSH_INTERVAL_MS: '60000',
          },
          { listen: true },
        );
        fake.setDefault({ latencyMs: 400 });
        const calls = Array.from({ length: 3 }, (_, i) =>
          post(gateway.url, {
            model: 'gpt-4o-mini',
            messages: [{ role: 'user', content: `in flight ${i}` }],
          }),
        );
        await fake.waitFor(() => fake.requests.length === 3);
        const closing = gateway.close();
        const results = await Promise.all(calls.map((call) => call.response));
        await closing;
        expect(results.map((result) => result.status)).toEqual([200, 200, 200]);
        const client = new Client({ connectionString: database.url });
        await client.connect();
        try {
          const { rows } = await client.query(
            `SELECT count(*)::int AS n FROM usage_records WHERE status = 200`,
          );
          expect(rows[0].n).toBe(3);
        } finally {
          await client.end();
        }
      } finally {
        await database.drop();
      }
    });
  });
});
