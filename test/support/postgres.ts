import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/**
 * Integration tests of the Postgres path run against the real server named by DATABASE_URL
 * (CI sets it; 127.0.0.1:5432). Each test file gets a database of its own, created here and
 * dropped afterwards, so leftovers never matter. Without DATABASE_URL these tests are
 * skipped with `describeIfPostgres` — the embedded path is always tested.
 */
export const SERVER_DATABASE_URL = process.env.DATABASE_URL;

export const describeIfPostgres: jest.Describe = SERVER_DATABASE_URL ? describe : describe.skip;

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  if (!SERVER_DATABASE_URL) throw new Error('DATABASE_URL is not set');
  const name = `mm_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: SERVER_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(SERVER_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new Client({ connectionString: SERVER_DATABASE_URL });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
