import type { DataSource } from 'typeorm';

/** The routing lab's append-only tables that DECISION_LOG_RETENTION_DAYS applies to. */
export type RetainedTable = 'routing_decisions' | 'routing_shadow_results';

/**
 * Deletes the rows of `table` older than the retention, in bounded chunks (short transactions, no
 * long lock on a table the request path appends to); resolves to the number deleted.
 */
export async function deleteOlderThan(
  dataSource: DataSource,
  table: RetainedTable,
  retentionDays: number,
  chunk = 10_000,
): Promise<number> {
  let total = 0;
  for (;;) {
    const rows: Array<{ n: string | number }> = await dataSource.query(
      `WITH gone AS (
         DELETE FROM ${table} WHERE id IN (
           SELECT id FROM ${table} WHERE created_at < now() - make_interval(days => $1::int) LIMIT $2)
         RETURNING 1)
       SELECT count(*) AS n FROM gone`,
      [retentionDays, chunk],
    );
    const n = Number(rows[0]?.n ?? 0);
    total += n;
    if (n < chunk) return total;
  }
}
