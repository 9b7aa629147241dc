import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { startChildGateway, type ChildGateway } from '../support/child-gateway';
import { TEST_ADMIN_KEY } from '../support/app';
import { FakeUpstream, startFakeUpstream } from '../support/fake-upstream';
import { createTestDatabase, describeIfPostgres, type TestDatabase } from '../support/postgres';
import { deleteRedisPrefix, SERVER_REDIS_URL, uniqueRedisPrefix } from '../support/redis';
import { createTenantWithKey, type TenantWithKey } from '../support/tenants';

/**
 * Two gateway processes on one Postgres (production mode): an answer cached through replica A is
 * found by meaning through replica B (B's in-process index learns it from the database), and a
 * purge through B empties A. The propagation time is printed (CACHE_SYNC_INTERVAL_MS = 250 bounds
 * it by design; docs/caching.md has the measured figure) — the test itself asserts no time.
 */
const describeIfShared = SERVER_REDIS_URL ? describeIfPostgres : describe.skip;

describeIfShared('semantic cache across two gateway processes', () => {
  let database: TestDatabase;
  let prefix: string;
  let fake: FakeUpstream;
  const replicas: ChildGateway[] = [];
  let tenant: TenantWithKey;

  beforeAll(async () => {
    database = await createTestDatabase();
    prefix = uniqueRedisPrefix();
    fake = await startFakeUpstream();
    const env = {
      ...fake.env(),
      MODE: 'production',
      TEST_MODE: 'false',
      DATABASE_URL: database.url,
      REDIS_URL: SERVER_REDIS_URL!,
      REDIS_KEY_PREFIX: prefix,
      ADMIN_API_KEY: TEST_ADMIN_KEY,
      API_KEY_HASH_SECRET: randomBytes(24).toString('hex'),
      PROVIDER_MAX_RETRIES: '0',
      CACHE_SYNC_INTERVAL_MS: '250',
      SHUTDOWN_TIMEOUT_MS: '3000',
    };
    // One first (it applies the migrations), then the second.
    replicas.push(await startChildGateway(env, { readyTimeoutMs: 90_000, compiled: true }));
    replicas.push(await startChildGateway(env, { readyTimeoutMs: 90_000, compiled: true }));
    tenant = await createTenantWithKey(replicas[0].url, TEST_ADMIN_KEY, 'replicated');
  }, 200_000);

  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.kill('SIGKILL')));
    await fake?.close();
    await database?.drop();
    await deleteRedisPrefix(prefix);
  }, 30_000);

  interface Answer {
    status: number;
    cache: string | null;
    body: {
      id: string;
      choices: unknown[];
      router_metadata?: { cache_hit: boolean };
      error?: { code: string };
    };
  }

  const ask = async (url: string, content: string, headers: Record<string, string> = {}): Promise<Answer> => {
    const response = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.key}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ model: 'gpt-4o-mini', temperature: 0, messages: [{ role: 'user', content }] }),
    });
    return {
      status: response.status,
      cache: response.headers.get('x-modelmuxer-cache'),
      body: (await response.json()) as Answer['body'],
    };
  };

  /**
   * Asks with Cache-Control: only-if-cached (a miss is a 504, never an upstream call nor a store)
   * until the answer is `expected` (200 = served from the cache, 504 = nothing cached).
   */
  const until = async (url: string, content: string, expected: 200 | 504): Promise<Answer> => {
    for (let attempt = 0; attempt < 400; attempt++) {
      const answer = await ask(url, content, { 'cache-control': 'only-if-cached' });
      if (answer.status === expected) return answer;
      expect([200, 504]).toContain(answer.status);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`replica ${url} never answered ${expected}`);
  };

  it('an entry written through replica A is found by meaning through replica B', async () => {
    const [a, b] = replicas;
    const paraphrase = 'Can you tell me what the tallest building in Dubai is?';
    expect((await ask(b.url, paraphrase, { 'cache-control': 'only-if-cached' })).status).toBe(504);
    const first = await ask(a.url, 'What is the tallest building in Dubai?');
    expect([first.status, first.cache]).toEqual([200, 'MISS']);
    const written = performance.now();
    const hit = await until(b.url, paraphrase, 200);
    console.log(
      `replica B found replica A's entry ${(performance.now() - written).toFixed(0)} ms after A answered`,
    );
    expect(hit.cache).toBe('SEMANTIC_HIT');
    expect(hit.body.id).toBe(first.body.id);
    expect(hit.body.choices).toEqual(first.body.choices);
    expect(hit.body.router_metadata?.cache_hit).toBe(true);
    expect(fake.requests).toHaveLength(1);
  });

  it('a purge through replica B empties replica A', async () => {
    const [a, b] = replicas;
    const question = 'How many strings does a violin have?';
    await ask(a.url, question);
    const paraphrase = `Please tell me ${question.toLowerCase()}`;
    expect((await until(a.url, paraphrase, 200)).cache).toBe('SEMANTIC_HIT');
    await until(b.url, paraphrase, 200);
    const purge = await fetch(`${b.url}/admin/tenants/${tenant.tenantId}/cache`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` },
    });
    expect(purge.status).toBe(200);
    // Each replica learns of the purge at its next poll (B, which purged, at once).
    const missed = await until(a.url, paraphrase, 504);
    expect(missed.body.error?.code).toBe('not_cached');
    await until(b.url, paraphrase, 504);
  });
});
