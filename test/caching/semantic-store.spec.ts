import type { DataSource } from 'typeorm';
import type { CachedCompletion } from '../../src/caching/caching.types';
import { SemanticEntryStore } from '../../src/caching/semantic/entry-store';
import { LexicalEmbedder } from '../../src/caching/semantic/lexical-embedder';
import { SemanticCache, SemanticSettings } from '../../src/caching/semantic/semantic-cache';
import { semanticKey } from '../../src/caching/semantic/semantic-key';
import { describeIfPostgres } from '../support/postgres';
import { openEmbeddedDataSource, openPostgresDataSource } from '../support/data-sources';

/**
 * The semantic cache over its store: two caches on one database stand for two replicas. What
 * one writes the other finds after a poll; purges reach both; a restarted replica reloads.
 */
const SETTINGS: SemanticSettings = { threshold: 0.94, guards: true, ttlSeconds: 3600 };

const answer = (text: string): CachedCompletion => ({
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
  costNano: 1234,
});

const keyOf = (namespace: string, text: string) =>
  semanticKey(namespace, 'gpt-4o-mini', { messages: [{ role: 'user', content: text }], temperature: 0 })!;

function replicaContract(open: () => Promise<{ dataSource: DataSource; close: () => Promise<void> }>) {
  let dataSource: DataSource;
  let close: () => Promise<void>;
  const caches: SemanticCache[] = [];

  beforeAll(async () => {
    ({ dataSource, close } = await open());
  });

  afterAll(async () => {
    for (const cache of caches) await cache.stop();
    await close();
  });

  const replica = async () => {
    const cache = new SemanticCache(new LexicalEmbedder(), new SemanticEntryStore(dataSource), {
      limits: () => ({ maxEntries: 10_000, maxBytes: 1e9 }),
      pollIntervalMs: 60_000, // polled by hand below
    });
    await cache.start();
    caches.push(cache);
    return cache;
  };

  it('an entry written through replica A is found through replica B after one poll', async () => {
    const [a, b] = [await replica(), await replica()];
    const key = keyOf('tenant-a', 'What is the capital of France?');
    const { vectors } = await a.embedder.embed([key.query]);
    await a.put('tenant-a', key, vectors[0], answer('Paris'), SETTINGS);
    expect((await a.lookup('tenant-a', key, SETTINGS)).kind).toBe('hit');
    expect((await b.lookup('tenant-a', key, SETTINGS)).kind).toBe('miss');
    await b.poll();
    const found = await b.lookup('tenant-a', keyOf('tenant-a', 'what is the capital of france'), SETTINGS);
    expect(found.kind).toBe('hit');
    if (found.kind === 'hit') {
      expect(found.entry.answer).toEqual(answer('Paris'));
      expect(found.entry.vector).toEqual(vectors[0]);
    }
    // Another tenant's replica view has nothing of it.
    expect(
      (await b.lookup('tenant-b', keyOf('tenant-b', 'What is the capital of France?'), SETTINGS)).kind,
    ).toBe('miss');
  });

  it('a restarted replica reloads the live entries; a purge reaches every replica', async () => {
    const a = await replica();
    const key = keyOf('tenant-p', 'How do I reset my password?');
    const { vectors } = await a.embedder.embed([key.query]);
    await a.put('tenant-p', key, vectors[0], answer('Settings > Security'), SETTINGS);
    const fresh = await replica();
    expect((await fresh.lookup('tenant-p', key, SETTINGS)).kind).toBe('hit');
    expect(await a.purge('tenant-p')).toBe(1);
    expect((await a.lookup('tenant-p', key, SETTINGS)).kind).toBe('miss');
    await fresh.poll();
    expect((await fresh.lookup('tenant-p', key, SETTINGS)).kind).toBe('miss');
    const rows = await dataSource.query(
      `SELECT count(*)::int AS n FROM semantic_cache_entries WHERE namespace = 'tenant-p'`,
    );
    expect(rows[0].n).toBe(0);
  });

  it('a purge wins over an answer still being written (its row would come back at the next poll)', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    /** The real store, its insert held until the purge is done (a slow write on a busy database). */
    class HeldStore extends SemanticEntryStore {
      override async insert(entry: Parameters<SemanticEntryStore['insert']>[0]) {
        await gate;
        return super.insert(entry);
      }
    }
    const a = new SemanticCache(new LexicalEmbedder(), new HeldStore(dataSource), {
      limits: () => ({ maxEntries: 10_000, maxBytes: 1e9 }),
      pollIntervalMs: 60_000,
    });
    await a.start();
    caches.push(a);
    const key = keyOf('tenant-r', 'What is the tallest mountain on Earth?');
    const { vectors } = await a.embedder.embed([key.query]);
    const writing = a.put('tenant-r', key, vectors[0], answer('Everest'), SETTINGS);
    await a.purge('tenant-r');
    release();
    await writing;
    await a.poll();
    expect((await a.lookup('tenant-r', key, SETTINGS)).kind).toBe('miss');
    const rows = await dataSource.query(
      `SELECT count(*)::int AS n FROM semantic_cache_entries WHERE namespace = 'tenant-r'`,
    );
    expect(rows[0].n).toBe(0);
  });

  it('a poll that read a page before a purge does not bring the purged entries back', async () => {
    let pageRead!: () => void;
    const read = new Promise<void>((resolve) => (pageRead = resolve));
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    /** The real store; once `holding`, a poll's page is read, then held until the purge is done. */
    class HeldPollStore extends SemanticEntryStore {
      holding = false;
      override async since(...args: Parameters<SemanticEntryStore['since']>) {
        const page = await super.since(...args);
        if (this.holding) {
          pageRead();
          await held;
        }
        return page;
      }
    }
    const store = new HeldPollStore(dataSource);
    const a = new SemanticCache(new LexicalEmbedder(), store, {
      limits: () => ({ maxEntries: 10_000, maxBytes: 1e9 }),
      pollIntervalMs: 60_000,
    });
    await a.start();
    caches.push(a);
    const key = keyOf('tenant-q', 'Who wrote the Odyssey?');
    const { vectors } = await a.embedder.embed([key.query]);
    await a.put('tenant-q', key, vectors[0], answer('Homer'), SETTINGS);
    store.holding = true;
    const polling = a.poll();
    await read;
    await a.purge('tenant-q');
    release();
    await polling;
    expect((await a.lookup('tenant-q', key, SETTINGS)).kind).toBe('miss');
  });

  it('expired rows are neither loaded nor kept', async () => {
    const a = await replica();
    const key = keyOf('tenant-e', 'What is the boiling point of water?');
    const { vectors } = await a.embedder.embed([key.query]);
    await a.put('tenant-e', key, vectors[0], answer('100 C'), { ...SETTINGS, ttlSeconds: 1 });
    await dataSource.query(
      `UPDATE semantic_cache_entries SET expires_at = now() - interval '1 second' WHERE namespace = 'tenant-e'`,
    );
    const fresh = await replica();
    expect((await fresh.lookup('tenant-e', key, SETTINGS)).kind).toBe('miss');
    expect(await new SemanticEntryStore(dataSource).deleteExpired()).toBeGreaterThanOrEqual(1);
  });
}

describe('semantic cache store on the embedded database (PGlite)', () => {
  replicaContract(openEmbeddedDataSource);
});

describeIfPostgres('semantic cache store on Postgres', () => {
  replicaContract(() => openPostgresDataSource({ DATABASE_POOL_SIZE: '4' }));
});
