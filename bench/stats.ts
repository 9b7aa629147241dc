/**
 * Small statistics helpers for the benchmark (pure, unit-tested in test/bench/stats.spec.ts).
 * Percentiles use the nearest-rank method on the raw samples: with thousands of samples per
 * run that is exact enough, and it never invents a value that was not observed.
 */

export interface LatencyStats {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface Spread {
  min: number;
  median: number;
  max: number;
}

/** Growable Float64Array: recording a sample allocates nothing in the steady state. */
export class SampleBuffer {
  private data: Float64Array;
  private size = 0;

  constructor(initialCapacity = 4096) {
    this.data = new Float64Array(Math.max(1, initialCapacity));
  }

  get length(): number {
    return this.size;
  }

  push(value: number): void {
    if (this.size === this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.size++] = value;
  }

  /** Appends every sample of another buffer. */
  pushAll(other: SampleBuffer): void {
    const values = other.values();
    for (let i = 0; i < values.length; i++) this.push(values[i]);
  }

  /** A view of the recorded samples (not a copy: do not keep it across pushes). */
  values(): Float64Array {
    return this.data.subarray(0, this.size);
  }
}

/** Nearest-rank percentile of ascending-sorted values; q in [0, 1]. NaN when empty. */
export function percentileOfSorted(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  if (q <= 0) return sorted[0];
  if (q >= 1) return sorted[sorted.length - 1];
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** count, mean, p50/p90/p99 and max of samples (any order; the input is not modified). */
export function summarize(samples: ArrayLike<number>): LatencyStats {
  const sorted = Float64Array.from(samples).sort();
  let sum = 0;
  for (let i = 0; i < sorted.length; i++) sum += sorted[i];
  const count = sorted.length;
  return {
    count,
    mean: count === 0 ? Number.NaN : sum / count,
    p50: percentileOfSorted(sorted, 0.5),
    p90: percentileOfSorted(sorted, 0.9),
    p99: percentileOfSorted(sorted, 0.99),
    max: count === 0 ? Number.NaN : sorted[count - 1],
  };
}

/** Median of values (mean of the two middle ones for an even count). NaN when empty. */
export function median(values: readonly number[]): number {
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (finite.length === 0) return Number.NaN;
  const mid = finite.length >> 1;
  return finite.length % 2 === 1 ? finite[mid] : (finite[mid - 1] + finite[mid]) / 2;
}

/** min / median / max of the finite values (the run-to-run noise of a measurement). */
export function spread(values: readonly number[]): Spread {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return { min: Number.NaN, median: Number.NaN, max: Number.NaN };
  return { min: Math.min(...finite), median: median(finite), max: Math.max(...finite) };
}

/**
 * Relative spread of repeated measurements of one quantity, (max − min) / median: 0.1 means
 * rounds disagreed by 10 %. Used to report how noisy the machine was.
 */
export function relativeSpread(values: readonly number[]): number {
  const s = spread(values);
  return s.median === 0 || !Number.isFinite(s.median) ? Number.NaN : (s.max - s.min) / Math.abs(s.median);
}

/**
 * Least-squares slope of y over x (e.g. RSS bytes per second during a soak). NaN with fewer than
 * two distinct x values.
 */
export function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = Math.min(xs.length, ys.length);
  if (n < 2) return Number.NaN;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    sx += xs[i];
    sy += ys[i];
  }
  const mx = sx / n;
  const my = sy / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den === 0 ? Number.NaN : num / den;
}
