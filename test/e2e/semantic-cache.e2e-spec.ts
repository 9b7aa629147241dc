import { DataSource } from 'typeorm';
import { UsageRecorderService } from '../../src/billing/usage/usage-recorder.service';
import { USAGE_WRITER, type UsageWriter } from '../../src/billing/usage/usage-writer';
import { bootTestApp, TEST_ADMIN_KEY, TestApp } from '../support/app';
import { FakeUpstream, startFakeUpstream } from '../support/fake-upstream';
import { createTenantWithKey, TenantWithKey } from '../support/tenants';

/**
 * The response cache in the chat path, enhanced mode (embedded database, lexical embedder),
 * every provider pointed at the local fake upstream: exact and semantic hits, guards, streams
 * stored only when complete and replayed as SSE, Cache-Control, tenant isolation, purge.
 */

interface SseEvent {
  data: string;
}

function parseSse(text: string): SseEvent[] {
  return text
    .split('\n\n')
    .map((block) => block.trim())
    .filter((block) => block.startsWith('data: '))
    .map((block) => ({ data: block.slice('data: '.length) }));
}

describe('response cache in the chat path (enhanced)', () => {
  let fake: FakeUpstream;
  let gateway: TestApp;
  let acme: TenantWithKey;
  let globex: TenantWithKey;
  const admin = { authorization: `Bearer ${TEST_ADMIN_KEY}` };

  beforeAll(async () => {
    fake = await startFakeUpstream();
    gateway = await bootTestApp(
      {
        ...fake.env(),
        MODE: 'enhanced',
        TEST_MODE: 'false',
        PROVIDER_MAX_RETRIES: '0',
        CIRCUIT_FAILURE_THRESHOLD: '1000',
        ADMIN_API_KEY: TEST_ADMIN_KEY,
        // The intent classifier's own LLM calls go to another model, so they are not counted below.
        INTENT_LLM_FALLBACK_MODEL: 'gpt-4.1-nano',
      },
      { listen: true },
    );
    acme = await createTenantWithKey(gateway.url, TEST_ADMIN_KEY, 'acme');
    globex = await createTenantWithKey(gateway.url, TEST_ADMIN_KEY, 'globex');
  }, 90_000);

  afterAll(async () => {
    await gateway?.close();
    await fake?.close();
  });

  beforeEach(() => fake.reset());

  /** Upstream calls for the chat model (not the intent classifier's). */
  const upstreamCalls = () => fake.requests.filter((request) => request.body.model === 'gpt-4o-mini');

  let counter = 0;
  /** A question unique to the test (so tests do not hit each other's entries). */
  const unique = (text: string) => `${text} (case ${++counter} zx${counter.toString(36)}q)`;

  const chat = (key: string, content: string | object[], extra: object = {}, headers: object = {}) =>
    gateway.http
      .post('/v1/chat/completions')
      .set({ authorization: `Bearer ${key}`, ...headers })
      .send({
        model: 'gpt-4o-mini',
        temperature: 0,
        messages: typeof content === 'string' ? [{ role: 'user', content }] : content,
        ...extra,
      });

  it('exact HIT, then SEMANTIC_HIT for a paraphrase: no upstream call, cost 0, saving and similarity reported', async () => {
    const question = unique('What is the capital of France?');
    const first = await chat(acme.key, question).expect(200);
    expect(first.headers['x-modelmuxer-cache']).toBe('MISS');
    expect(first.body.router_metadata).toMatchObject({ cache_hit: false, cache_status: 'MISS' });
    const exact = await chat(acme.key, question).expect(200);
    expect(exact.headers['x-modelmuxer-cache']).toBe('HIT');
    const paraphrase = await chat(acme.key, `Can you tell me ${question.toLowerCase()}`).expect(200);
    expect(paraphrase.headers['x-modelmuxer-cache']).toBe('SEMANTIC_HIT');
    expect(Number(paraphrase.headers['x-modelmuxer-cache-similarity'])).toBeGreaterThanOrEqual(0.98);
    expect(paraphrase.headers['x-modelmuxer-cost-usd']).toBe('0.000000000');
    expect(paraphrase.body.choices).toEqual(first.body.choices);
    expect(paraphrase.body.router_metadata).toMatchObject({
      cache_hit: true,
      cache_status: 'SEMANTIC_HIT',
      cost_usd: 0,
      cache_saved_usd: first.body.router_metadata.cost_usd,
    });
    expect(upstreamCalls()).toHaveLength(1);
  });

  it('never answers a near-miss from the cache (negation, number, entity, order)', async () => {
    const base = unique('Is it safe to store passwords in plain text');
    await chat(acme.key, base).expect(200);
    for (const variant of [
      base.replace('Is it safe', 'Is it not safe'),
      base.replace('plain text', 'plain text 2 times'),
      base.replace('passwords', 'Oracle passwords'),
    ]) {
      const response = await chat(acme.key, variant).expect(200);
      expect(response.headers['x-modelmuxer-cache']).toBe('MISS');
    }
    const route = unique('Flights from New York to Florida');
    await chat(acme.key, route).expect(200);
    const swapped = route.replace('New York to Florida', 'Florida to New York');
    expect((await chat(acme.key, swapped).expect(200)).headers['x-modelmuxer-cache']).toBe('MISS');
    expect(upstreamCalls()).toHaveLength(6);
  });

  it('isolation: another tenant asking the same question never gets a hit', async () => {
    const question = unique('How do I reset my password?');
    await chat(acme.key, question).expect(200);
    const other = await chat(globex.key, question).expect(200);
    expect(other.headers['x-modelmuxer-cache']).toBe('MISS');
    expect(other.body.router_metadata.cache_hit).toBe(false);
    expect(upstreamCalls()).toHaveLength(2);
  });

  it('a different conversation (20 earlier turns differing in one) never hits', async () => {
    const history = (changed: number) =>
      Array.from({ length: 20 }, (_, i) => ({
        role: i % 2 ? 'assistant' : 'user',
        content: `turn ${i}${i === changed ? ' (edited)' : ''} ${counter}`,
      }));
    const last = { role: 'user', content: unique('And what about the second one?') };
    await chat(acme.key, [...history(-1), last]).expect(200);
    expect((await chat(acme.key, [...history(-1), last]).expect(200)).headers['x-modelmuxer-cache']).toBe(
      'HIT',
    );
    for (const changed of [0, 7, 19]) {
      const response = await chat(acme.key, [...history(changed), last]).expect(200);
      expect(response.headers['x-modelmuxer-cache']).toBe('MISS');
    }
  });

  it('Cache-Control: no-store neither reads nor writes; no-cache skips the lookup and stores', async () => {
    const question = unique('Explain HTTP caching headers');
    const noStore = await chat(acme.key, question, {}, { 'cache-control': 'no-store' }).expect(200);
    expect(noStore.headers['x-modelmuxer-cache']).toBe('BYPASS');
    expect((await chat(acme.key, question).expect(200)).headers['x-modelmuxer-cache']).toBe('MISS');
    const noCache = await chat(acme.key, question, {}, { 'cache-control': 'no-cache' }).expect(200);
    expect(noCache.headers['x-modelmuxer-cache']).toBe('BYPASS');
    expect(upstreamCalls()).toHaveLength(3);
    expect((await chat(acme.key, question).expect(200)).headers['x-modelmuxer-cache']).toBe('HIT');
    // Sampling requests are not cached (a cache must not freeze a random answer).
    expect(
      (await chat(acme.key, question, { temperature: 0.8 }).expect(200)).headers['x-modelmuxer-cache'],
    ).toBe('BYPASS');
  });

  it('Cache-Control: only-if-cached answers from the cache or with a 504, never from a provider', async () => {
    const question = unique('What is the largest desert on Earth?');
    const miss = await chat(acme.key, question, {}, { 'cache-control': 'only-if-cached' }).expect(504);
    expect(miss.body.error).toMatchObject({ code: 'not_cached', type: 'api_error' });
    expect(miss.headers['x-modelmuxer-cache']).toBe('MISS');
    expect(upstreamCalls()).toHaveLength(0);
    await chat(acme.key, question).expect(200);
    const hit = await chat(acme.key, question, {}, { 'cache-control': 'only-if-cached' }).expect(200);
    expect(hit.headers['x-modelmuxer-cache']).toBe('HIT');
    expect(upstreamCalls()).toHaveLength(1);
  });

  it('stores a completed stream and replays it as valid SSE (same chunk shapes, usage chunk, [DONE])', async () => {
    const question = unique('Write a short poem about caching');
    const live = await chat(acme.key, question, {
      stream: true,
      stream_options: { include_usage: true },
    }).expect(200);
    expect(live.headers['x-modelmuxer-cache']).toBe('MISS');
    const liveEvents = parseSse(live.text);
    expect(liveEvents.at(-1)!.data).toBe('[DONE]');
    const liveChunks = liveEvents.slice(0, -1).map((event) => JSON.parse(event.data));
    const liveText = liveChunks.map((chunk) => chunk.choices[0]?.delta?.content ?? '').join('');

    // A stream hit (semantic: a paraphrase), with usage asked for.
    const replay = await chat(acme.key, `Please ${question.toLowerCase()}`, {
      stream: true,
      stream_options: { include_usage: true },
    }).expect(200);
    expect(replay.headers['content-type']).toContain('text/event-stream');
    expect(replay.headers['x-modelmuxer-cache']).toBe('SEMANTIC_HIT');
    const events = parseSse(replay.text);
    expect(events.at(-1)!.data).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((event) => JSON.parse(event.data));
    for (const chunk of chunks) {
      expect(chunk).toMatchObject({ object: 'chat.completion.chunk', model: liveChunks[0].model });
      expect(typeof chunk.id).toBe('string');
      expect(typeof chunk.created).toBe('number');
      expect(Array.isArray(chunk.choices)).toBe(true);
    }
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
    expect(chunks[0].router_metadata).toMatchObject({ cache_hit: true, cache_status: 'SEMANTIC_HIT' });
    expect(chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? '').join('')).toBe(liveText);
    const usage = chunks.at(-1);
    expect(usage.choices).toEqual([]);
    expect(usage.usage).toEqual(liveChunks.at(-1).usage);
    expect(chunks.at(-2).choices[0].finish_reason).toBe('stop');

    // Without include_usage no usage chunk; a non-stream request is served from the stream too.
    const noUsage = await chat(acme.key, question, { stream: true }).expect(200);
    expect(parseSse(noUsage.text).some((event) => event.data.includes('"usage"'))).toBe(false);
    const plain = await chat(acme.key, question).expect(200);
    expect(plain.headers['x-modelmuxer-cache']).toBe('HIT');
    expect(plain.body.choices[0].message.content).toBe(liveText);
    expect(upstreamCalls()).toHaveLength(1);
  });

  it('a stream hit sends its chunks at once and ends only once its usage row is written (USAGE_DURABLE_ACK)', async () => {
    const question = unique('Name three rivers in Europe');
    await chat(acme.key, question, { stream: true }).expect(200);
    await gateway.app.get(UsageRecorderService).flush();
    // Hold every usage write until released: the hit's first chunk must not wait for it, its end must.
    const writer = gateway.app.get<UsageWriter>(USAGE_WRITER);
    const write = writer.write.bind(writer);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    writer.write = async (events) => {
      await gate;
      return write(events);
    };
    const requestId = `stream-hit-${counter}`;
    try {
      const response = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${acme.key}`,
          'content-type': 'application/json',
          'x-request-id': requestId,
        },
        body: JSON.stringify({
          model: 'gpt-4o-mini',
          temperature: 0,
          stream: true,
          messages: [{ role: 'user', content: question }],
        }),
      });
      expect(response.headers.get('x-modelmuxer-cache')).toBe('HIT');
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      let text = '';
      const readFirstEvent = async () => {
        while (!text.includes('\n\n')) {
          const { value, done } = await reader.read();
          if (done) break;
          text += decoder.decode(value, { stream: true });
        }
        return text;
      };
      // A deadlock detector, not a latency bound: before the fix the first byte waited for the gate.
      const stalled = new Promise<null>((resolve) => setTimeout(() => resolve(null), 10_000).unref());
      expect(await Promise.race([readFirstEvent(), stalled])).toContain('chat.completion.chunk');
      expect(text).not.toContain('[DONE]');
      release();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
      expect(parseSse(text).at(-1)!.data).toBe('[DONE]');
    } finally {
      writer.write = write;
      release();
    }
    const rows = await gateway.app
      .get(DataSource)
      .query(`SELECT cache_hit, cost_nano FROM usage_records WHERE request_id = $1`, [requestId]);
    expect(rows).toEqual([{ cache_hit: true, cost_nano: 0 }]);
  });

  it('never stores a stream that failed mid-way', async () => {
    const question = unique('Describe the water cycle in detail');
    fake.enqueue({ model: 'gpt-4o-mini', failAfterEvents: 2, completionTokens: 40, chunkWords: 2 });
    const failed = await chat(acme.key, question, { stream: true });
    expect(failed.text).toContain('"error"');
    expect(failed.text).not.toContain('[DONE]');
    const again = await chat(acme.key, question).expect(200);
    expect(again.headers['x-modelmuxer-cache']).toBe('MISS');
  });

  it('never stores a stream the client aborted', async () => {
    const question = unique('Tell a long story about a lighthouse');
    fake.enqueue({ model: 'gpt-4o-mini', completionTokens: 200, chunkWords: 1, chunkDelayMs: 20 });
    const controller = new AbortController();
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${acme.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'gpt-4o-mini',
        temperature: 0,
        stream: true,
        messages: [{ role: 'user', content: question }],
      }),
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    await reader.read(); // the first bytes arrived: the stream is live
    controller.abort();
    await fake.waitFor(() => upstreamCalls().length === 1 && upstreamCalls()[0].aborted, 10_000);
    const again = await chat(acme.key, question).expect(200);
    expect(again.headers['x-modelmuxer-cache']).toBe('MISS');
  });

  it('records hits at zero cost with the saving in the usage report', async () => {
    const question = unique('What is the speed of light?');
    const first = await chat(globex.key, question).expect(200);
    await chat(globex.key, `Tell me ${question}`).expect(200);
    await gateway.app.get(UsageRecorderService).flush();
    const usage = await gateway.http.get(`/admin/tenants/${globex.tenantId}/usage`).set(admin).expect(200);
    expect(usage.body.totals.cache_hits).toBeGreaterThanOrEqual(1);
    expect(usage.body.totals.saved_usd).toBeGreaterThanOrEqual(first.body.router_metadata.cost_usd);
  });

  it('admin purge empties a tenant cache (exact and semantic), not the others', async () => {
    const question = unique('How many moons does Mars have?');
    await chat(acme.key, question).expect(200);
    await chat(globex.key, question).expect(200);
    const purge = await gateway.http.delete(`/admin/tenants/${acme.tenantId}/cache`).set(admin).expect(200);
    expect(purge.body).toMatchObject({ purged: true, namespaces: [`tenant:${acme.tenantId}`] });
    expect(purge.body.semantic_entries).toBeGreaterThanOrEqual(1);
    expect((await chat(acme.key, question).expect(200)).headers['x-modelmuxer-cache']).toBe('MISS');
    expect((await chat(globex.key, question).expect(200)).headers['x-modelmuxer-cache']).toBe('HIT');
    await gateway.http.delete(`/admin/tenants/${acme.tenantId}/cache`).expect(401);
  });
});

describe('exact cache in basic mode (in memory)', () => {
  let gateway: TestApp;

  beforeAll(async () => {
    gateway = await bootTestApp({ MODE: 'basic' });
  }, 90_000);

  afterAll(async () => {
    await gateway?.close();
  });

  it('serves an identical deterministic request from memory; no semantic matching', async () => {
    const send = (content: string) =>
      gateway.http
        .post('/v1/chat/completions')
        .set({ authorization: 'Bearer mm-test-key-0123456789' })
        .send({ temperature: 0, messages: [{ role: 'user', content }] })
        .expect(200);
    expect((await send('What is the capital of Italy?')).headers['x-modelmuxer-cache']).toBe('MISS');
    const hit = await send('What is the capital of Italy?');
    expect(hit.headers['x-modelmuxer-cache']).toBe('HIT');
    expect(hit.body.router_metadata.cache_hit).toBe(true);
    expect((await send('what is the capital of italy')).headers['x-modelmuxer-cache']).toBe('MISS');
  });
});

describe('semantic cache with a provider embedder (CACHE_EMBEDDER=text-embedding-3-small)', () => {
  let fake: FakeUpstream;
  let gateway: TestApp;
  let tenant: TenantWithKey;

  beforeAll(async () => {
    fake = await startFakeUpstream();
    gateway = await bootTestApp({
      ...fake.env(),
      MODE: 'enhanced',
      TEST_MODE: 'false',
      PROVIDER_MAX_RETRIES: '0',
      ADMIN_API_KEY: TEST_ADMIN_KEY,
      INTENT_LLM_FALLBACK_MODEL: 'gpt-4.1-nano',
      CACHE_EMBEDDER: 'text-embedding-3-small',
    });
    tenant = await createTenantWithKey(gateway.app.getHttpServer(), TEST_ADMIN_KEY, 'embedder');
  }, 90_000);

  afterAll(async () => {
    await gateway?.close();
    await fake?.close();
  });

  it("embeds the last user turn through the provider and bills it to the tenant's usage", async () => {
    const question = 'Which planet has the most moons?';
    const first = await gateway.http
      .post('/v1/chat/completions')
      .set({ authorization: `Bearer ${tenant.key}` })
      .send({ model: 'gpt-4o-mini', temperature: 0, messages: [{ role: 'user', content: question }] })
      .expect(200);
    expect(first.headers['x-modelmuxer-cache']).toBe('MISS');
    const embedCalls = fake.requests.filter((request) => request.path === '/openai/v1/embeddings');
    expect(embedCalls).toHaveLength(1);
    expect(embedCalls[0].body).toMatchObject({ model: 'text-embedding-3-small', input: [question] });
    await gateway.app.get(UsageRecorderService).flush();
    const report = await gateway.http
      .get(`/admin/tenants/${tenant.tenantId}/usage?group_by=intent`)
      .set({ authorization: `Bearer ${TEST_ADMIN_KEY}` })
      .expect(200);
    const row = report.body.groups.find((group: { key: string }) => group.key === 'cache_embed');
    expect(row.requests).toBe(1);
    expect(row.cost_usd).toBeGreaterThan(0);
  });
});
