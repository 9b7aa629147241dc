/**
 * The rows of an `UPDATE … RETURNING` / `DELETE … RETURNING` statement run through TypeORM's
 * `query()`: its Postgres driver (and ours for PGlite, which mirrors it) answers those commands
 * with `[rows, affectedCount]` instead of the rows, so `const [row] = await query(…)` would take
 * the whole row list for the first row. Statements whose outer command is a SELECT (a CTE ending
 * in SELECT) return the rows themselves; both shapes are accepted.
 */
export function returnedRows<T>(result: unknown): T[] {
  if (!Array.isArray(result)) return [];
  if (result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number')
    return result[0] as T[];
  return result as T[];
}
