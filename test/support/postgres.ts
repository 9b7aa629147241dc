import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { loadAppConfig } from '../../src/config/app-config';
import { EmbeddedDatabaseHandle, migrationsKey, openDataSource } from '../../src/database/database.module';

/**
 * Integration tests of the Postgres path run against the real server named by DATABASE_URL
 * (CI sets it; 127.0.0.1:5432). Each test file gets a database of its own, created here and
 * dropped afterwards, so leftovers never matter. Without DATABASE_URL these tests are
 * skipped with `describeIfPostgres` — the embedded path is always tested.
 *
 * A new database is a copy of a migrated template (`mm_tpl_<digest of the migration set>`, made
 * once per migration set by whichever test process needs it first), so a test does not pay for
 * running every migration again. `{ empty: true }` gives a database without them, for the tests
 * of the migrations themselves (the replicas racing for the migration lock, the storage contract).
 */
export const SERVER_DATABASE_URL = process.env.DATABASE_URL;

export const describeIfPostgres: jest.Describe = SERVER_DATABASE_URL ? describe : describe.skip;

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

async function withServer<T>(work: (client: Client) => Promise<T>): Promise<T> {
  if (!SERVER_DATABASE_URL) throw new Error('DATABASE_URL is not set');
  const client = new Client({ connectionString: SERVER_DATABASE_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function databaseUrl(name: string): string {
  const url = new URL(SERVER_DATABASE_URL as string);
  url.pathname = `/${name}`;
  return url.toString();
}

function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}

let template: Promise<string> | null = null;

/**
 * The migrated template for this migration set: built under a temporary name and renamed when
 * complete, so a half-migrated template is never copied; when two processes build it at once,
 * the loser drops its copy.
 */
function migratedTemplate(): Promise<string> {
  template ??= (async () => {
    const name = `mm_tpl_${migrationsKey()}`;
    const exists = await withServer(
      async (client) => (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount,
    );
    if (exists) return name;
    const building = uniqueName('mm_tplbuild');
    await withServer((client) => client.query(`CREATE DATABASE ${building}`));
    const dataSource = await openDataSource(
      loadAppConfig({ DATABASE_URL: databaseUrl(building), LOG_LEVEL: 'error' }),
      new EmbeddedDatabaseHandle(),
    );
    await dataSource.destroy();
    await withServer(async (client) => {
      try {
        await client.query(`ALTER DATABASE ${building} RENAME TO ${name}`);
      } catch {
        await client.query(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`); // built by another process meanwhile
      }
    });
    return name;
  })().catch((error: unknown) => {
    template = null;
    throw error;
  });
  return template;
}

export async function createTestDatabase(options: { empty?: boolean } = {}): Promise<TestDatabase> {
  const name = uniqueName('mm_test');
  const source = options.empty ? null : await migratedTemplate();
  await withServer((client) => client.query(`CREATE DATABASE ${name}${source ? ` TEMPLATE ${source}` : ''}`));
  return {
    url: databaseUrl(name),
    async drop() {
      await withServer((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}
