import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { CachedCompletion } from '../caching.types';
import type { NewEntry, SemanticEntryStore, StoredEntry } from './entry-store';
import { guardVeto, questionFacts } from './guards';
import type { GuardReason } from './guards';
import type { SemanticKey } from './semantic-key';
import { DEFAULT_LEXICAL_THRESHOLD } from './defaults';
import type { Embedder } from './semantic.types';
import { SemanticVectorIndex } from './vector-index';
import type { IndexedEntry, IndexLimits } from './vector-index';

/** Per-tenant settings that apply to one lookup or store. */
export interface SemanticSettings {
  /** Minimum cosine similarity of the last user turns for a hit. */
  threshold: number;
  /** Guards on (the default; off only for evaluation). */
  guards: boolean;
  ttlSeconds: number;
}

export type SemanticMatch =
  | { kind: 'hit'; entry: IndexedEntry; similarity: number }
  | {
      kind: 'miss';
      /** The query's vector, to store the fresh answer under without embedding it again. */
      vector: Float32Array;
      /** The best candidate's similarity, when there was one. */
      nearest: number | null;
      /** Set when a candidate above the threshold was vetoed by a guard. */
      vetoed: GuardReason | null;
    };

/** A lookup's outcome and what embedding the query cost. */
export type SemanticLookup = SemanticMatch & { embedCostNano: number };

export interface SemanticCacheOptions {
  limits: (namespace: string) => IndexLimits;
  /** The threshold to use when neither the tenant nor the configuration sets one. */
  defaultThreshold?: number;
  /** How often other replicas' writes are polled for (ms). */
  pollIntervalMs: number;
  /** Rows read per poll page. */
  pollPageSize?: number;
  now?: () => number;
}

/** Rough memory of an entry: its vector, its answer and its query (UTF-16). */
export function entryBytes(vector: Float32Array, answer: CachedCompletion, query: string): number {
  return vector.byteLength + JSON.stringify(answer).length * 2 + query.length * 2 + 256;
}

/**
 * The semantic cache: an exact context hash plus the last user turn compared by embedding
 * (semantic-key.ts), a vector index per namespace and context (vector-index.ts), guards that veto
 * hits that differ in negation, numbers, dates, entities, units, antonyms or order (guards.ts),
 * and — when a store is given — Postgres as the source of truth, polled so that an entry written
 * through one replica is found through every other within `pollIntervalMs` (+ query time).
 */
export class SemanticCache {
  private readonly logger = new Logger('SemanticCache');
  readonly index: SemanticVectorIndex;
  private watermark = 0;
  private purgeWatermark = 0;
  private pollTimer: NodeJS.Timeout | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;
  private polling: Promise<void> | null = null;
  private readonly now: () => number;
  private localPurges = 0;
  /** Purges seen per namespace (local or polled): a put that began before one is dropped. */
  private readonly purgeEpochs = new Map<string, number>();
  readonly defaultThreshold: number;
  /** Entry and byte limits per namespace (replaceable: the chat cache sets the tenants'). */
  limitsFor: (namespace: string) => IndexLimits;
  /**
   * Called for every purge, local or seen from another replica, with a generation that is the
   * same on every replica (the purge's seq): the exact cache keys on it.
   */
  onPurge: (namespace: string, generation: string) => void = () => undefined;

  constructor(
    readonly embedder: Embedder,
    private readonly store: SemanticEntryStore | null,
    private readonly options: SemanticCacheOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.defaultThreshold = options.defaultThreshold ?? DEFAULT_LEXICAL_THRESHOLD;
    this.limitsFor = options.limits;
    this.index = new SemanticVectorIndex(
      embedder.dimensions,
      (namespace) => this.limitsFor(namespace),
      this.now,
    );
  }

  /** Loads the live entries and starts polling for other replicas' writes and purges. */
  async start(): Promise<void> {
    if (this.store) {
      this.purgeWatermark = await this.store.lastPurgeSeq();
      await this.poll();
      this.pollTimer = setInterval(() => void this.poll(), this.options.pollIntervalMs);
      this.pollTimer.unref();
    }
    this.sweepTimer = setInterval(() => {
      this.index.sweep();
      void this.store?.deleteExpired().catch(() => undefined);
    }, 60_000);
    this.sweepTimer.unref();
  }

  async stop(): Promise<void> {
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.pollTimer = this.sweepTimer = null;
    await this.polling;
  }

  /** Reads other replicas' new entries and purges (one poll at a time). */
  poll(): Promise<void> {
    if (!this.store) return Promise.resolve();
    this.polling ??= this.pollOnce().finally(() => {
      this.polling = null;
    });
    return this.polling;
  }

  private async pollOnce(): Promise<void> {
    const store = this.store!;
    try {
      for (const purge of await store.purgesSince(this.purgeWatermark)) {
        this.notePurge(purge.namespace);
        this.index.purge(purge.namespace);
        this.onPurge(purge.namespace, `p${purge.seq}`);
        this.purgeWatermark = purge.seq;
      }
      const pageSize = this.options.pollPageSize ?? 2_000;
      for (;;) {
        const epochs = new Map(this.purgeEpochs);
        const { entries, watermark } = await store.since(this.embedder.id, this.watermark, pageSize);
        // A purge that ran while the page was read: its rows are stale (deleted since), not new.
        for (const entry of entries) {
          if ((this.purgeEpochs.get(entry.namespace) ?? 0) === (epochs.get(entry.namespace) ?? 0))
            this.indexStored(entry);
        }
        const advanced = watermark > this.watermark;
        this.watermark = watermark;
        if (entries.length < pageSize || !advanced) break;
      }
    } catch (error) {
      this.logger.warn(`semantic cache poll failed: ${(error as Error).message}`);
    }
  }

  private indexStored(entry: StoredEntry): void {
    if (this.index.has(entry.id) || entry.vector.length !== this.embedder.dimensions) return;
    this.index.add({
      id: entry.id,
      namespace: entry.namespace,
      context: entry.context,
      query: entry.query,
      facts: questionFacts(entry.query),
      vector: entry.vector,
      answer: entry.answer,
      bytes: entry.bytes,
      expiresAt: entry.expiresAt.getTime(),
    });
  }

  /** Embeds the query and looks for an answer in the same namespace and context. */
  async lookup(
    namespace: string,
    key: SemanticKey,
    settings: SemanticSettings,
    signal?: AbortSignal,
  ): Promise<SemanticLookup> {
    const { vectors, costNano } = await this.embedder.embed([key.query], signal);
    const vector = vectors[0];
    return { ...this.match(namespace, key, vector, settings), embedCostNano: costNano };
  }

  /** The decision for an already embedded query (also what the evaluation measures). */
  match(
    namespace: string,
    key: SemanticKey,
    vector: Float32Array,
    settings: SemanticSettings,
  ): SemanticMatch {
    const neighbours = this.index.search(namespace, key.context, vector);
    let vetoed: GuardReason | null = null;
    if (neighbours.length > 0 && neighbours[0].similarity >= settings.threshold) {
      const facts = settings.guards ? questionFacts(key.query) : null;
      for (const neighbour of neighbours) {
        if (neighbour.similarity < settings.threshold) break;
        const reason = facts ? guardVeto(facts, neighbour.entry.facts) : null;
        if (reason === null) {
          this.index.touch(neighbour.entry.id);
          return { kind: 'hit', entry: neighbour.entry, similarity: neighbour.similarity };
        }
        vetoed ??= reason;
      }
    }
    return { kind: 'miss', vector, nearest: neighbours[0]?.similarity ?? null, vetoed };
  }

  /**
   * Stores a fresh answer (the caller only calls this for complete answers): indexed on this
   * replica synchronously, then written to the store (when there is one) under the same id, which
   * is the entry's id on every replica.
   */
  async put(
    namespace: string,
    key: SemanticKey,
    vector: Float32Array,
    answer: CachedCompletion,
    settings: SemanticSettings,
    /** purgeEpoch(namespace) when the answer was asked for: a purge since then drops it. */
    epoch = this.purgeEpoch(namespace),
  ): Promise<void> {
    if (settings.ttlSeconds <= 0 || this.purgeEpoch(namespace) !== epoch) return;
    const expiresAt = new Date(this.now() + settings.ttlSeconds * 1000);
    const bytes = entryBytes(vector, answer, key.query);
    const entry: Omit<NewEntry, 'id'> = {
      namespace,
      context: key.context,
      embedder: this.embedder.id,
      query: key.query,
      vector,
      answer,
      bytes,
      expiresAt,
    };
    // Indexed here at once (this replica's next request finds it), then written for the others.
    const id = randomUUID();
    this.indexStored({ ...entry, id, seq: 0, createdAt: new Date() });
    if (!this.store) return;
    try {
      await this.store.insert({ ...entry, id });
    } catch (error) {
      this.index.remove(id);
      throw error;
    }
    // A purge of the namespace ran while the row was being written: its DELETE may have missed
    // the row (committed after it), which a poll would then bring back. The purge wins.
    if (this.purgeEpoch(namespace) !== epoch) {
      this.index.remove(id);
      await this.store.delete([id]);
    }
  }

  /** How many purges of the namespace this replica has seen (local or polled). */
  purgeEpoch(namespace: string): number {
    return this.purgeEpochs.get(namespace) ?? 0;
  }

  private notePurge(namespace: string): void {
    this.purgeEpochs.set(namespace, (this.purgeEpochs.get(namespace) ?? 0) + 1);
  }

  /** Drops a namespace everywhere (store, this replica now, the others at their next poll). */
  async purge(namespace: string): Promise<number> {
    this.notePurge(namespace);
    const local = this.index.purge(namespace);
    if (!this.store) {
      this.onPurge(namespace, `l${++this.localPurges}`);
      return local;
    }
    const { entries, seq } = await this.store.purge(namespace);
    // A poll may have re-read the rows while the DELETE was running: drop them again, and make
    // any poll page read before this point stale too.
    this.notePurge(namespace);
    this.index.purge(namespace);
    this.onPurge(namespace, `p${seq}`);
    return entries;
  }
}
