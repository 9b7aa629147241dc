import type { DataSource } from 'typeorm';

/** Runs `sql` (a fixed text, prepared under `name`) with `values`; answers the rows. */
export type NamedStatementRunner = (name: string, sql: string, values: unknown[]) => Promise<unknown[]>;

/** node-postgres' pool, as far as a named statement needs it. */
interface PgPool {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

/**
 * Runs a statement as a NAMED prepared statement on a Postgres server (node-postgres parses and
 * plans it once per pooled connection, not per call: 0.95 ms instead of 1.67 ms for a one-row
 * usage write, and 1.4 ms instead of 12–15 ms for the usage roll-up pass, measured), and through
 * TypeORM on the embedded database (one connection in process, nothing to save). For the
 * statements of hot batched writers, whose text never changes; the name must be unique per text.
 * `prepared` false (DATABASE_PREPARED_STATEMENTS, for a pooler that cannot keep named statements):
 * always through TypeORM, as plain statements.
 */
export function namedStatementRunner(dataSource: DataSource, prepared = true): NamedStatementRunner {
  let pool: PgPool | null | undefined = prepared ? undefined : null;
  return async (name, text, values) => {
    // Resolved at the first call: the DataSource is initialised by then.
    if (pool === undefined) pool = serverPool(dataSource);
    if (pool) return (await pool.query({ name, text, values })).rows;
    return dataSource.query(text, values);
  };
}

/** The pg pool of a DataSource connected to a Postgres server; null for the embedded database. */
function serverPool(dataSource: DataSource): PgPool | null {
  if ((dataSource.options as { driver?: unknown } | undefined)?.driver) return null; // PGlite
  const master = (dataSource.driver as unknown as { master?: Partial<PgPool> } | undefined)?.master;
  return typeof master?.query === 'function' ? (master as PgPool) : null;
}
