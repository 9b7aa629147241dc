import type { DataSource } from 'typeorm';
import type { CachedCompletion } from '../caching.types';
import { returnedRows } from '../../common/returned-rows';
import { pgJson, pgText } from '../../database/pg-text';

/** An entry as stored (Postgres / PGlite): the source of truth every replica indexes. */
export interface StoredEntry {
  id: string;
  seq: number;
  namespace: string;
  context: string;
  embedder: string;
  query: string;
  vector: Float32Array;
  answer: CachedCompletion;
  bytes: number;
  createdAt: Date;
  expiresAt: Date;
}

export type NewEntry = Omit<StoredEntry, 'seq' | 'createdAt'>;

interface EntryRow {
  id: string;
  seq: string;
  namespace: string;
  context_hash: string;
  embedder: string;
  query: string;
  vector: Buffer | Uint8Array;
  answer: CachedCompletion | string;
  bytes: number;
  created_at: Date | string;
  expires_at: Date | string;
}

/** Little-endian float32 bytes (portable across replicas and architectures). */
export function vectorToBytes(vector: Float32Array): Buffer {
  const bytes = Buffer.allocUnsafe(vector.length * 4);
  for (let i = 0; i < vector.length; i++) bytes.writeFloatLE(vector[i], i * 4);
  return bytes;
}

export function bytesToVector(bytes: Buffer | Uint8Array): Float32Array {
  const buffer = Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const vector = new Float32Array(buffer.length / 4);
  for (let i = 0; i < vector.length; i++) vector[i] = buffer.readFloatLE(i * 4);
  return vector;
}

function fromRow(row: EntryRow): StoredEntry {
  return {
    id: row.id,
    seq: Number(row.seq),
    namespace: row.namespace,
    context: row.context_hash,
    embedder: row.embedder,
    query: row.query,
    vector: bytesToVector(row.vector),
    answer: typeof row.answer === 'string' ? (JSON.parse(row.answer) as CachedCompletion) : row.answer,
    bytes: row.bytes,
    createdAt: new Date(row.created_at),
    expiresAt: new Date(row.expires_at),
  };
}

const COLUMNS = `id, seq, namespace, context_hash, embedder, query, vector, answer, bytes, created_at, expires_at`;

/** Rows newer than this are read again by the next poll (an insert may commit after a later one). */
export const COMMIT_SLACK_MS = 2_000;

/**
 * The semantic cache's table (migration 1764750000000): one row per cached answer, and one per
 * purge. Replicas find each other's writes by polling `seq`: rows are re-read until they are
 * COMMIT_SLACK_MS old, so an insert that commits after a later one is never skipped.
 */
export class SemanticEntryStore {
  constructor(private readonly dataSource: DataSource) {}

  async insert(entry: NewEntry): Promise<StoredEntry> {
    const rows: EntryRow[] = await this.dataSource.query(
      `INSERT INTO semantic_cache_entries (id, namespace, context_hash, embedder, query, vector, answer, bytes, expires_at)
       VALUES ($9, $1, $2, $3, $4, $5, $6::jsonb, $7, $8) RETURNING ${COLUMNS}`,
      [
        entry.namespace,
        entry.context,
        entry.embedder,
        pgText(entry.query),
        vectorToBytes(entry.vector),
        pgJson(entry.answer),
        entry.bytes,
        entry.expiresAt.toISOString(),
        entry.id,
      ],
    );
    return fromRow(rows[0]);
  }

  /**
   * Live entries of an embedder with seq > `after`, oldest first, and the next watermark: the
   * highest seq among the rows old enough that nothing before them can still commit.
   */
  async since(
    embedder: string,
    after: number,
    limit: number,
  ): Promise<{ entries: StoredEntry[]; watermark: number }> {
    const rows: Array<EntryRow & { settled: boolean }> = await this.dataSource.query(
      `SELECT ${COLUMNS}, created_at < now() - make_interval(secs => $4::double precision / 1000) AS settled
         FROM semantic_cache_entries
        WHERE seq > $1 AND embedder = $2 AND expires_at > now()
        ORDER BY seq LIMIT $3`,
      [after, embedder, limit, COMMIT_SLACK_MS],
    );
    let watermark = after;
    for (const row of rows) {
      if (!row.settled) break;
      watermark = Number(row.seq);
    }
    // A full page of settled rows: the next page continues after it.
    return { entries: rows.map(fromRow), watermark };
  }

  /** Purges recorded after `after` (seq), oldest first. */
  async purgesSince(after: number): Promise<Array<{ seq: number; namespace: string }>> {
    const rows: Array<{ seq: string; namespace: string }> = await this.dataSource.query(
      `SELECT seq, namespace FROM semantic_cache_purges WHERE seq > $1 ORDER BY seq`,
      [after],
    );
    return rows.map((row) => ({ seq: Number(row.seq), namespace: row.namespace }));
  }

  async lastPurgeSeq(): Promise<number> {
    const rows: Array<{ seq: string | null }> = await this.dataSource.query(
      `SELECT max(seq) AS seq FROM semantic_cache_purges`,
    );
    return Number(rows[0]?.seq ?? 0);
  }

  /** Deletes a namespace's entries and records the purge for the other replicas. */
  async purge(namespace: string): Promise<{ entries: number; seq: number }> {
    return this.dataSource.transaction(async (manager) => {
      // A CTE so that the driver returns rows (TypeORM returns [rows, count] for a bare DELETE).
      const deleted: Array<{ n: number }> = await manager.query(
        `WITH gone AS (DELETE FROM semantic_cache_entries WHERE namespace = $1 RETURNING id)
         SELECT count(*)::int AS n FROM gone`,
        [namespace],
      );
      const purge: Array<{ seq: string }> = await manager.query(
        `INSERT INTO semantic_cache_purges (namespace) VALUES ($1) RETURNING seq`,
        [namespace],
      );
      return { entries: deleted[0].n, seq: Number(purge[0].seq) };
    });
  }

  async delete(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.dataSource.query(`DELETE FROM semantic_cache_entries WHERE id = ANY($1::uuid[])`, [ids]);
  }

  /** Removes expired rows (and purge records older than a day). Returns the entries removed. */
  async deleteExpired(): Promise<number> {
    const rows = returnedRows<{ id: string }>(
      await this.dataSource.query(
        `DELETE FROM semantic_cache_entries WHERE expires_at <= now() RETURNING id`,
      ),
    );
    await this.dataSource.query(
      `DELETE FROM semantic_cache_purges WHERE purged_at < now() - interval '1 day'`,
    );
    return rows.length;
  }
}
