import type { DataSource } from 'typeorm';
import { loadAppConfig } from '../../src/config/app-config';
import { EmbeddedDatabaseHandle, openDataSource } from '../../src/database/database.module';
import { createTestDatabase } from './postgres';

/** A migrated data source and how to close it (and drop what it created). */
export interface OpenedDataSource {
  dataSource: DataSource;
  close(): Promise<void>;
}

/** The gateway's embedded database (PGlite in memory), migrated. */
export async function openEmbeddedDataSource(): Promise<OpenedDataSource> {
  const handle = new EmbeddedDatabaseHandle();
  const dataSource = await openDataSource(loadAppConfig({ DATA_DIR: ':memory:' }), handle);
  return {
    dataSource,
    close: async () => {
      await dataSource.destroy();
      await handle.current?.close();
    },
  };
}

/** A fresh Postgres database of its own on DATABASE_URL's server, migrated (`env`: more settings); dropped on close. */
export async function openPostgresDataSource(env: Record<string, string> = {}): Promise<OpenedDataSource> {
  const database = await createTestDatabase();
  const dataSource = await openDataSource(
    loadAppConfig({ ...env, DATABASE_URL: database.url }),
    new EmbeddedDatabaseHandle(),
  );
  return {
    dataSource,
    close: async () => {
      await dataSource.destroy();
      await database.drop();
    },
  };
}
