import type { DataSource, Migration } from 'typeorm';

/** An arbitrary constant: the advisory lock that serialises migrations across replicas. */
const MIGRATION_LOCK_KEY = 7_246_003_911;

/**
 * Applies pending migrations. On a real Postgres several replicas may start at once, so the
 * run holds a session-level advisory lock on a dedicated connection; the embedded database
 * is single-process (DATA_DIR lock) and single-session, so it runs them directly.
 */
export async function runMigrations(dataSource: DataSource, embedded: boolean): Promise<Migration[]> {
  if (embedded) return dataSource.runMigrations({ transaction: 'each' });
  const lockRunner = dataSource.createQueryRunner();
  await lockRunner.connect();
  try {
    await lockRunner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    return await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await lockRunner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await lockRunner.release();
  }
}
