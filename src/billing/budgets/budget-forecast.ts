/** A minute: the shortest elapsed time a forecast extrapolates from (no wild figure at period start). */
const MIN_ELAPSED_MS = 60_000;

/**
 * The spend at period end if the period goes on as it went so far (linear: spent per elapsed
 * time × period length); null for a period without an end (`total`). Never below what is spent.
 */
export function budgetForecastNano(
  spentNano: number,
  periodStartMs: number,
  periodEndMs: number | null,
  nowMs: number,
): number | null {
  if (periodEndMs === null) return null;
  const length = periodEndMs - periodStartMs;
  const elapsed = Math.min(length, Math.max(nowMs - periodStartMs, MIN_ELAPSED_MS));
  if (length <= 0 || elapsed <= 0) return spentNano;
  return Math.max(spentNano, Math.round((spentNano / elapsed) * length));
}
