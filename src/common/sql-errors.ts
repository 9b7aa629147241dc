/**
 * The SQLSTATE of a failed query (node-postgres and PGlite errors carry it as `code`; TypeORM's
 * QueryFailedError also as `driverError.code`), or null.
 */
export function sqlState(error: unknown): string | null {
  if (typeof error !== 'object' || error === null) return null;
  const own = (error as { code?: unknown }).code;
  if (typeof own === 'string' && /^[0-9A-Z]{5}$/.test(own)) return own;
  const driver = (error as { driverError?: { code?: unknown } }).driverError?.code;
  return typeof driver === 'string' && /^[0-9A-Z]{5}$/.test(driver) ? driver : null;
}

/**
 * Whether a failed write was refused for what a row holds — class 22 (data exception: bad
 * encoding, value out of range, invalid text for the type) or 23 (integrity constraint: not null,
 * foreign key, unique, check) — rather than for the database's state (connection lost, shutdown,
 * lock timeout, disk full). Retrying the same batch cannot fix the first kind: the batched writers
 * then write its rows one by one and drop only the ones refused, so one bad row cannot hold back
 * every other row behind it.
 */
export function isRowDataError(error: unknown): boolean {
  const state = sqlState(error);
  return state !== null && (state.startsWith('22') || state.startsWith('23'));
}

/** Where a row-by-row write stopped because the database itself failed (not a row's data). */
export interface RowByRowFailure {
  /** Index of the first row not written or refused: the rest, from here, is for the retries. */
  index: number;
  error: unknown;
}

/**
 * The one place a batched writer recovers from a batch the database refused for a row's data
 * (isRowDataError): each row alone, in order; `written` after each row written, `refused` for
 * each row refused again (the caller drops and counts it). Stops at the first failure that is
 * not a row's data and returns where (the caller puts the rest back for its retries); null when
 * every row was written or refused.
 */
export async function writeRowByRow<T>(
  rows: readonly T[],
  write: (rows: T[]) => Promise<void>,
  written: () => void,
  refused: (error: unknown) => void,
): Promise<RowByRowFailure | null> {
  for (let index = 0; index < rows.length; index++) {
    try {
      await write([rows[index]]);
    } catch (error) {
      if (!isRowDataError(error)) return { index, error };
      refused(error);
      continue;
    }
    written();
  }
  return null;
}
