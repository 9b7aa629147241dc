import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { loadAppConfig } from '../../src/config/app-config';
import { EmbeddedDatabaseHandle, openDataSource } from '../../src/database/database.module';
import { EmbeddedDatabase } from '../../src/database/embedded-database';
import { createTestDatabase, describeIfPostgres, TestDatabase } from '../support/postgres';

/** The same checks run on the embedded database and on the real Postgres. */
function storageContract(open: () => Promise<{ dataSource: DataSource; close: () => Promise<void> }>) {
  let dataSource: DataSource;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ dataSource, close } = await open());
  });
  afterAll(async () => close());

  it('applies the migrations and seeds the default tenant', async () => {
    const rows = await dataSource.query(`SELECT name, status FROM tenants WHERE id = $1`, [
      '00000000-0000-0000-0000-000000000000',
    ]);
    expect(rows).toEqual([{ name: 'default', status: 'active' }]);
  });

  it('returns int8 as numbers and reports affected rows of conditional updates', async () => {
    await dataSource.query(
      `INSERT INTO usage_records (request_id, tenant_id, provider, model, cost_nano, status)
       VALUES ('r1', '00000000-0000-0000-0000-000000000000', 'openai', 'gpt-4o-mini', 9007199254740, 200)`,
    );
    const [row] = await dataSource.query(`SELECT cost_nano FROM usage_records WHERE request_id = 'r1'`);
    expect(row.cost_nano).toBe(9007199254740);
    const [, affected] = await dataSource.query(
      `UPDATE usage_records SET latency_ms = 5 WHERE request_id = 'nope'`,
    );
    expect(affected).toBe(0);
  });

  it('keeps concurrent transactions isolated (no lost updates)', async () => {
    await dataSource.query(`INSERT INTO tenants (name, rate_limit_rpm) VALUES ('counter', 0)`);
    await Promise.all(
      Array.from({ length: 20 }, () =>
        dataSource.transaction(async (manager) => {
          const [row] = await manager.query(
            `SELECT rate_limit_rpm FROM tenants WHERE name = 'counter' FOR UPDATE`,
          );
          await new Promise((resolve) => setImmediate(resolve));
          await manager.query(`UPDATE tenants SET rate_limit_rpm = $1 WHERE name = 'counter'`, [
            row.rate_limit_rpm + 1,
          ]);
        }),
      ),
    );
    const [row] = await dataSource.query(`SELECT rate_limit_rpm FROM tenants WHERE name = 'counter'`);
    expect(row.rate_limit_rpm).toBe(20);
  });

  it('rolls back one transaction without touching another', async () => {
    const failing = dataSource.transaction(async (manager) => {
      await manager.query(`INSERT INTO tenants (name) VALUES ('rolled-back')`);
      await new Promise((resolve) => setImmediate(resolve));
      throw new Error('boom');
    });
    const succeeding = dataSource.transaction(async (manager) => {
      await manager.query(`INSERT INTO tenants (name) VALUES ('kept')`);
    });
    await expect(failing).rejects.toThrow('boom');
    await succeeding;
    const names = (
      await dataSource.query(`SELECT name FROM tenants WHERE name IN ('rolled-back', 'kept')`)
    ).map((r: { name: string }) => r.name);
    expect(names).toEqual(['kept']);
  });
}

describe('storage on the embedded database (PGlite)', () => {
  storageContract(async () => {
    const config = loadAppConfig({ DATA_DIR: ':memory:' });
    const handle = new EmbeddedDatabaseHandle();
    const dataSource = await openDataSource(config, handle);
    return {
      dataSource,
      close: async () => {
        await dataSource.destroy();
        await handle.current?.close();
      },
    };
  });
});

describeIfPostgres('storage on Postgres', () => {
  let database: TestDatabase;
  storageContract(async () => {
    database = await createTestDatabase({ empty: true });
    const config = loadAppConfig({ DATABASE_URL: database.url });
    const dataSource = await openDataSource(config, new EmbeddedDatabaseHandle());
    return {
      dataSource,
      close: async () => {
        await dataSource.destroy();
        await database.drop();
      },
    };
  });
});

describe('embedded data directory lock', () => {
  it('refuses a second open of the same DATA_DIR and allows it after close', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mm-lock-'));
    try {
      const first = await EmbeddedDatabase.open(join(dir, 'nested', 'data'));
      await expect(EmbeddedDatabase.open(join(dir, 'nested', 'data'))).rejects.toThrow(/in use by process/);
      await first.close();
      const again = await EmbeddedDatabase.open(join(dir, 'nested', 'data'));
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
