import type { DataSource } from 'typeorm';
import { namedStatementRunner } from './named-statement';

/** A DataSource as far as the runner looks at it: a pg pool (server) or an embedded driver. */
function fakeDataSource(embedded: boolean) {
  const calls: string[] = [];
  const dataSource = {
    options: embedded ? { driver: {} } : {},
    driver: {
      master: {
        query: async (config: { name: string }) => (
          calls.push(`named:${config.name}`),
          { rows: [{ ok: 1 }] }
        ),
      },
    },
    query: async () => (calls.push('plain'), [{ ok: 1 }]),
  };
  return { dataSource: dataSource as unknown as DataSource, calls };
}

describe('namedStatementRunner', () => {
  it('prepares on a Postgres server, and runs plain statements when told not to or when embedded', async () => {
    const server = fakeDataSource(false);
    expect(await namedStatementRunner(server.dataSource)('s1', 'SELECT 1', [])).toEqual([{ ok: 1 }]);
    const unprepared = fakeDataSource(false);
    await namedStatementRunner(unprepared.dataSource, false)('s1', 'SELECT 1', []);
    const embedded = fakeDataSource(true);
    await namedStatementRunner(embedded.dataSource)('s1', 'SELECT 1', []);
    expect([server.calls, unprepared.calls, embedded.calls]).toEqual([['named:s1'], ['plain'], ['plain']]);
  });
});
