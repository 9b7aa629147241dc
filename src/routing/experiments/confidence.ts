/**
 * Confidence intervals of the experiment report (95 % by default): Wilson score intervals for
 * rates, the normal interval for means, and distribution-free order-statistic intervals for
 * percentiles (the ranks of the binomial normal approximation). Pure.
 */

/** The two-sided 95 % normal quantile. */
export const Z95 = 1.959963984540054;

export interface Interval {
  low: number;
  high: number;
}

/** Wilson score interval of a proportion (successes out of n); null when n is 0. */
export function wilsonInterval(successes: number, n: number, z = Z95): Interval | null {
  if (n <= 0) return null;
  const p = successes / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // Exact at the ends (no 1e-18 from rounding): no successes → 0, all successes → 1.
  return {
    low: successes <= 0 ? 0 : Math.max(0, centre - half),
    high: successes >= n ? 1 : Math.min(1, centre + half),
  };
}

/** Normal interval of a mean (sample standard deviation sd); null below two observations. */
export function meanInterval(mean: number, sd: number, n: number, z = Z95): Interval | null {
  if (n < 2 || !Number.isFinite(sd)) return null;
  const half = (z * sd) / Math.sqrt(n);
  return { low: mean - half, high: mean + half };
}

/** 1-based ranks in the sorted sample: the p-quantile's, and its interval's bounds. */
export interface QuantileRanks {
  rank: number;
  low: number;
  high: number;
}

/**
 * The p-quantile is the ceil(n·p)-th smallest observation (percentile_disc); its interval runs
 * from the floor(n·p − z·√(n·p·(1−p)))-th to the ceil(n·p + z·√(n·p·(1−p)))-th, clamped to the
 * sample. Null for an empty sample.
 */
export function quantileRanks(n: number, p: number, z = Z95): QuantileRanks | null {
  if (n <= 0) return null;
  const clamp = (rank: number) => Math.min(n, Math.max(1, rank));
  const spread = z * Math.sqrt(n * p * (1 - p));
  return {
    rank: clamp(Math.ceil(n * p)),
    low: clamp(Math.floor(n * p - spread)),
    high: clamp(Math.ceil(n * p + spread)),
  };
}

/** The percentile_disc fraction that selects exactly the rank-th smallest of n (robust to rounding). */
export function rankFraction(rank: number, n: number): number {
  return (rank - 0.5) / n;
}
