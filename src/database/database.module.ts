import { createHash } from 'node:crypto';
import { DynamicModule, Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { types as pgTypes } from 'pg';
import { DataSource, DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import type { AppConfig } from '../config/app-config';
import { EmbeddedDatabase, IN_MEMORY_DATA_DIRS } from './embedded-database';
import { runMigrations } from './migrations-runner';
import { createPGliteDriver } from './pglite-driver';
import { StructuredTypeOrmLogger } from './typeorm-logger';

/** int8 → JS number (money is integer nano-USD, far below 2^53); numeric stays a string. */
const PG_TYPES = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') =>
    oid === pgTypes.builtins.INT8
      ? (value: string) => Number(value)
      : pgTypes.getTypeParser(oid, format ?? 'text'),
};

/** Holds the embedded database opened by the TypeORM factory, so it can be closed at shutdown. */
export class EmbeddedDatabaseHandle {
  current: EmbeddedDatabase | null = null;
}

@Injectable()
class EmbeddedDatabaseCloser implements OnApplicationShutdown {
  constructor(@Inject(EmbeddedDatabaseHandle) private readonly handle: EmbeddedDatabaseHandle) {}

  async onApplicationShutdown(): Promise<void> {
    await this.handle.current?.close();
    this.handle.current = null;
  }
}

export function dataSourceOptions(config: AppConfig, embedded: EmbeddedDatabase | null): DataSourceOptions {
  const common = {
    type: 'postgres' as const,
    synchronize: false,
    migrationsRun: false,
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    // gen_random_uuid() is built into Postgres 13+ and PGlite: no extension to install.
    installExtensions: false,
    uuidExtension: 'pgcrypto' as const,
    // JSON lines without query parameters (TypeORM's own loggers print them as plain text).
    logger: new StructuredTypeOrmLogger(),
  };
  if (embedded) {
    return { ...common, driver: createPGliteDriver(embedded.db, { acquireTimeoutMs: 10_000 }) };
  }
  return {
    ...common,
    url: config.databaseUrl ?? undefined,
    poolSize: config.databasePoolSize,
    connectTimeoutMS: 5_000,
    applicationName: 'modelmuxer',
    extra: { types: PG_TYPES, idleTimeoutMillis: 30_000 },
  };
}

/** Opens a DataSource for `config` (Postgres or embedded) and applies pending migrations. */
export async function openDataSource(
  config: AppConfig,
  handle: EmbeddedDatabaseHandle,
  extra: Partial<DataSourceOptions> = {},
): Promise<DataSource> {
  const template = IN_MEMORY_DATA_DIRS.has(config.dataDir) ? migrationsKey() : undefined;
  if (!config.databaseUrl && !handle.current)
    handle.current = await EmbeddedDatabase.open(config.dataDir, template);
  const options = { ...dataSourceOptions(config, handle.current), ...extra } as DataSourceOptions;
  const dataSource = await new DataSource(options).initialize();
  try {
    const applied = await runMigrations(dataSource, handle.current !== null);
    if (applied.length > 0)
      new Logger('Database').log(`applied migrations: ${applied.map((m) => m.name).join(', ')}`);
    if (applied.length > 0 && template && handle.current) await handle.current.saveTemplate(template);
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  return dataSource;
}

/**
 * TypeORM on Postgres (DATABASE_URL) or on the embedded PGlite under DATA_DIR. Migrations from
 * migrations/ are applied before any other module can use the DataSource.
 */
@Module({})
export class DatabaseModule {
  static forRoot(config: AppConfig): DynamicModule {
    const handle = new EmbeddedDatabaseHandle();
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => ({
            ...dataSourceOptions(config, null),
            autoLoadEntities: true,
            retryAttempts: 0,
          }),
          dataSourceFactory: async (options) => {
            // autoLoadEntities has filled options.entities; keep those, swap in the driver.
            return openDataSource(config, handle, { entities: options?.entities });
          },
        }),
      ],
      providers: [{ provide: EmbeddedDatabaseHandle, useValue: handle }, EmbeddedDatabaseCloser],
      exports: [TypeOrmModule],
    };
  }
}

/**
 * The identity of the migration set: a digest of every migration's source (names and SQL), so an
 * in-memory template made by other code is never used (the tests' Postgres template databases are
 * named by it too).
 */
export function migrationsKey(): string {
  const sources = (MIGRATIONS as unknown[]).map((migration) => String(migration)).join('\n');
  return createHash('sha256').update(sources).digest('hex').slice(0, 24);
}
