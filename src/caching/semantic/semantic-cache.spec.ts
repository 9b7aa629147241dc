import type { CachedCompletion } from '../caching.types';
import { LexicalEmbedder } from './lexical-embedder';
import { SemanticCache, SemanticSettings } from './semantic-cache';
import { semanticKey } from './semantic-key';
import { EXACT_BUCKET_MAX } from './vector-index';

const SETTINGS: SemanticSettings = { threshold: 0.94, guards: true, ttlSeconds: 3600 };

function answer(text: string): CachedCompletion {
  return {
    completion: {
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1,
      model: 'gpt-4o-mini',
      choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
    },
    provider: 'openai',
    model: 'gpt-4o-mini',
    costNano: 1000,
  };
}

const request = (text: string) => ({ messages: [{ role: 'user' as const, content: text }], temperature: 0 });

function makeCache(now = () => Date.now(), limits = { maxEntries: 100_000, maxBytes: 1e12 }) {
  return new SemanticCache(new LexicalEmbedder(), null, { limits: () => limits, pollIntervalMs: 250, now });
}

async function put(
  cache: SemanticCache,
  namespace: string,
  question: string,
  text: string,
  settings = SETTINGS,
) {
  const key = semanticKey(namespace, 'gpt-4o-mini', request(question))!;
  const { vectors } = await cache.embedder.embed([key.query]);
  await cache.put(namespace, key, vectors[0], answer(text), settings);
}

async function get(cache: SemanticCache, namespace: string, question: string, settings = SETTINGS) {
  return cache.lookup(namespace, semanticKey(namespace, 'gpt-4o-mini', request(question))!, settings);
}

describe('SemanticCache (in memory)', () => {
  it('hits a paraphrase in the same namespace and context, with its similarity', async () => {
    const cache = makeCache();
    await put(cache, 't1', 'What is the capital of France?', 'Paris');
    const hit = await get(cache, 't1', 'Can you tell me what the capital of France is?');
    expect(hit.kind).toBe('hit');
    if (hit.kind === 'hit') {
      expect(hit.entry.answer.completion.choices[0].message.content).toBe('Paris');
      expect(hit.similarity).toBeGreaterThanOrEqual(0.94);
    }
    expect(hit.embedCostNano).toBe(0);
  });

  it("isolation probe: 40 tenants asking the same questions never see another tenant's answer", async () => {
    const cache = makeCache();
    const questions = ['What is the capital of France?', 'How do I reset my password?', 'Explain HTTPS.'];
    for (let t = 0; t < 40; t++)
      for (const q of questions) await put(cache, `tenant-${t}`, q, `answer of tenant-${t}`);
    let crossHits = 0;
    let ownHits = 0;
    for (let t = 0; t < 40; t++) {
      for (const q of questions) {
        const result = await get(cache, `tenant-${t}`, q);
        if (result.kind !== 'hit') continue;
        if (result.entry.answer.completion.choices[0].message.content === `answer of tenant-${t}`) ownHits++;
        else crossHits++;
      }
    }
    expect(crossHits).toBe(0);
    expect(ownHits).toBe(120);
    // A tenant with nothing cached finds nothing, whatever the others hold.
    expect((await get(cache, 'tenant-new', questions[0])).kind).toBe('miss');
  });

  it('never serves a near-miss: the guards veto it even above the threshold', async () => {
    const cache = makeCache();
    await put(cache, 't1', 'Is it safe to eat raw eggs?', 'Mostly yes');
    const miss = await get(cache, 't1', 'Is it not safe to eat raw eggs?', { ...SETTINGS, threshold: 0.5 });
    expect(miss).toMatchObject({ kind: 'miss', vetoed: 'negation' });
    // Without guards (evaluation only) the same lookup would have been a wrong hit.
    expect(
      (
        await get(cache, 't1', 'Is it not safe to eat raw eggs?', {
          ...SETTINGS,
          threshold: 0.5,
          guards: false,
        })
      ).kind,
    ).toBe('hit');
  });

  it('expires entries after their TTL', async () => {
    let now = 1_000_000;
    const cache = makeCache(() => now);
    await put(cache, 't1', 'What is the capital of France?', 'Paris', { ...SETTINGS, ttlSeconds: 10 });
    expect((await get(cache, 't1', 'What is the capital of France?')).kind).toBe('hit');
    now += 10_001;
    expect((await get(cache, 't1', 'What is the capital of France?')).kind).toBe('miss');
    expect(cache.index.sweep()).toBe(1);
  });

  it('keeps each namespace within its max entries and bytes, least recently used out first', async () => {
    const cache = makeCache(Date.now, { maxEntries: 3, maxBytes: 1e12 });
    await put(cache, 't1', 'question one about apples', 'a1');
    await put(cache, 't1', 'question two about pears', 'a2');
    await put(cache, 't1', 'question three about plums', 'a3');
    expect((await get(cache, 't1', 'question one about apples')).kind).toBe('hit'); // now most recent
    await put(cache, 't1', 'question four about figs', 'a4');
    expect(cache.index.namespaceStats('t1').entries).toBe(3);
    expect((await get(cache, 't1', 'question two about pears')).kind).toBe('miss');
    expect((await get(cache, 't1', 'question one about apples')).kind).toBe('hit');
    await put(cache, 't2', 'question one about apples', 'b1');
    expect(cache.index.namespaceStats('t2').entries).toBe(1);

    const small = makeCache(Date.now, { maxEntries: 1000, maxBytes: 5_000 });
    for (let i = 0; i < 20; i++) await put(small, 't1', `question number ${i} about things`, 'x'.repeat(200));
    expect(small.index.namespaceStats('t1').bytes).toBeLessThanOrEqual(5_000);
    expect(small.index.namespaceStats('t1').entries).toBeGreaterThan(0);
  });

  it(`uses an HNSW graph past ${EXACT_BUCKET_MAX} entries in a context and still finds each entry`, async () => {
    const cache = makeCache();
    const topics = Array.from(
      { length: 600 },
      (_, i) => `tell me about topic ${i} zq${i.toString(36)}x and its history`,
    );
    for (const [i, topic] of topics.entries()) await put(cache, 't1', topic, `answer ${i}`);
    let found = 0;
    for (const [i, topic] of topics.entries()) {
      const result = await get(cache, 't1', topic);
      if (
        result.kind === 'hit' &&
        result.entry.answer.completion.choices[0].message.content === `answer ${i}`
      )
        found++;
    }
    expect(found).toBeGreaterThanOrEqual(597); // approximate search: ≥ 99.5 % recall of exact duplicates
  });

  it('purges one namespace only', async () => {
    const cache = makeCache();
    await put(cache, 't1', 'What is the capital of France?', 'Paris');
    await put(cache, 't2', 'What is the capital of France?', 'Paris');
    expect(await cache.purge('t1')).toBe(1);
    expect((await get(cache, 't1', 'What is the capital of France?')).kind).toBe('miss');
    expect((await get(cache, 't2', 'What is the capital of France?')).kind).toBe('hit');
  });
});
