import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { loadAppConfig } from '../../src/config/app-config';
import { EmbeddedDatabaseHandle, openDataSource } from '../../src/database/database.module';
import { captureLogs, CapturedLogs } from '../support/log-capture';
import { createTestDatabase, describeIfPostgres, TestDatabase } from '../support/postgres';

/**
 * Issue 11, "Leaks": TypeORM printed failed SQL with its parameters as plain-text lines
 * (`query failed: … -- PARAMETERS: [...]`). A failed query must be one JSON line, naming the
 * SQL and the Postgres error code, without parameters and without the values Postgres quotes.
 */
describeIfPostgres('failed SQL on real Postgres is logged as JSON without parameters', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let logs: CapturedLogs;
  const printed: string[] = [];
  const spies: jest.SpyInstance[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    logs = captureLogs('debug');
    Logger.overrideLogger(logs.logger);
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      spies.push(
        jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
          printed.push(args.map(String).join(' '));
        }),
      );
    }
    const config = loadAppConfig({ DATABASE_URL: database.url });
    dataSource = await openDataSource(config, new EmbeddedDatabaseHandle());
  });

  afterAll(async () => {
    for (const spy of spies) spy.mockRestore();
    await dataSource?.destroy();
    await database?.drop();
  });

  it('logs a failed parameterized query as one JSON line: SQL, code, no values', async () => {
    logs.lines.length = 0;
    await expect(
      dataSource.query(`SELECT id FROM tenants WHERE id = $1`, ['leak-me-uuid-4242']),
    ).rejects.toThrow(/invalid input syntax for type uuid/);
    await dataSource.query(`INSERT INTO tenants (name) VALUES ($1)`, ['tenant-secret-name-77']);
    await expect(
      dataSource.query(`INSERT INTO tenants (name) VALUES ($1)`, ['tenant-secret-name-77']),
    ).rejects.toThrow(/duplicate key/);

    const failures = logs.records().filter((record) => record.msg === 'query failed');
    expect(failures).toEqual([
      expect.objectContaining({
        level: 'error',
        context: 'Database',
        query: 'SELECT id FROM tenants WHERE id = $1',
        code: '22P02',
        error: 'invalid input syntax for type uuid: "[redacted]"',
      }),
      expect.objectContaining({
        query: 'INSERT INTO tenants (name) VALUES ($1)',
        code: '23505',
        constraint: expect.any(String),
      }),
    ]);
    const everything = [...logs.lines, ...printed].join('\n');
    expect(everything).not.toContain('leak-me-uuid-4242');
    expect(everything).not.toContain('tenant-secret-name-77');
    expect(printed.filter((line) => /query failed|PARAMETERS/i.test(line))).toEqual([]);
  });
});
