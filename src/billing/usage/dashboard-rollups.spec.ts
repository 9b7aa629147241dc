import { latencyBucket, latencyBucketBounds, latencyQuantile } from './dashboard-rollups';

describe('latency buckets', () => {
  it('put a latency inside its bucket bounds, 4 buckets per doubling', () => {
    for (const ms of [0, 1, 2, 3, 7, 50, 99, 100, 101, 255, 1000, 59_999, 2_147_483_647]) {
      const [low, high] = latencyBucketBounds(latencyBucket(ms));
      expect(ms).toBeGreaterThanOrEqual(low - 1e-6);
      expect(ms).toBeLessThan(high);
    }
    expect(latencyBucket(0)).toBe(0);
    expect(latencyBucket(1)).toBe(4); // log2(2) · 4
    expect(latencyBucket(3)).toBe(8);
    expect(latencyBucket(1023)).toBe(40);
    expect(latencyBucket(-5)).toBe(0);
  });

  it('are at most 19 % wide', () => {
    for (let b = 20; b < 120; b++) {
      const [low, high] = latencyBucketBounds(b);
      expect((high + 1) / (low + 1)).toBeCloseTo(Math.pow(2, 0.25), 10);
    }
  });
});

describe('latencyQuantile', () => {
  it('is null without requests', () => {
    expect(latencyQuantile([], 0.5)).toBeNull();
    expect(latencyQuantile([{ bucket: 30, requests: 0 }], 0.5)).toBeNull();
  });

  it('interpolates inside the bucket where the rank falls, whatever the input order', () => {
    const [low40, high40] = latencyBucketBounds(40);
    const buckets = [
      { bucket: 40, requests: 50 },
      { bucket: 20, requests: 50 },
    ];
    expect(latencyQuantile(buckets, 0.5)).toBeCloseTo(latencyBucketBounds(20)[1], 6);
    expect(latencyQuantile(buckets, 0.75)).toBeCloseTo(low40 + (high40 - low40) / 2, 6);
    expect(latencyQuantile(buckets, 1)).toBeCloseTo(high40, 6);
  });

  it('stays within one bucket width of the exact quantile of a sample', () => {
    const sample = Array.from({ length: 10_000 }, (_, i) => 50 + ((i * 7919) % 900));
    const counts = new Map<number, number>();
    for (const ms of sample) counts.set(latencyBucket(ms), (counts.get(latencyBucket(ms)) ?? 0) + 1);
    const buckets = [...counts].map(([bucket, requests]) => ({ bucket, requests }));
    const sorted = [...sample].sort((a, b) => a - b);
    for (const q of [0.5, 0.9, 0.99]) {
      const exact = sorted[Math.ceil(q * sorted.length) - 1];
      const estimate = latencyQuantile(buckets, q)!;
      expect(Math.abs(estimate - exact) / exact).toBeLessThan(0.1);
    }
  });
});
