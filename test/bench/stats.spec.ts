import {
  median,
  percentileOfSorted,
  relativeSpread,
  SampleBuffer,
  slope,
  spread,
  summarize,
} from '../../bench/stats';

describe('bench stats', () => {
  it('takes nearest-rank percentiles of sorted samples', () => {
    const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(percentileOfSorted(sorted, 0.5)).toBe(5);
    expect(percentileOfSorted(sorted, 0.9)).toBe(9);
    expect(percentileOfSorted(sorted, 0.99)).toBe(10);
    expect(percentileOfSorted(sorted, 0)).toBe(1);
    expect(percentileOfSorted(sorted, 1)).toBe(10);
    expect(percentileOfSorted([], 0.5)).toBeNaN();
  });

  it('summarizes unsorted samples without modifying them', () => {
    const samples = [0.3, 0.1, 0.2, 0.5, 0.4];
    const stats = summarize(samples);
    expect(samples).toEqual([0.3, 0.1, 0.2, 0.5, 0.4]);
    expect(stats.count).toBe(5);
    expect(stats.p50).toBe(0.3);
    expect(stats.max).toBe(0.5);
    expect(stats.mean).toBeCloseTo(0.3, 10);
  });

  it('uses the 99th percentile of a long tail, not the maximum', () => {
    const samples = Array.from({ length: 1000 }, (_, i) => (i < 990 ? 1 : 100));
    expect(summarize(samples).p99).toBe(1);
    expect(summarize(samples).max).toBe(100);
  });

  it('grows a sample buffer and pools buffers', () => {
    const a = new SampleBuffer(2);
    for (let i = 0; i < 5; i++) a.push(i);
    const b = new SampleBuffer(1);
    b.push(10);
    b.pushAll(a);
    expect(Array.from(b.values())).toEqual([10, 0, 1, 2, 3, 4]);
    expect(b.length).toBe(6);
  });

  it('reports median, spread and relative spread of finite values', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([Number.NaN])).toBeNaN();
    expect(spread([5, Number.NaN, 1, 3])).toEqual({ min: 1, median: 3, max: 5 });
    expect(relativeSpread([90, 100, 110])).toBeCloseTo(0.2, 10);
  });

  it('fits a least-squares slope', () => {
    expect(slope([0, 1, 2, 3], [10, 12, 14, 16])).toBeCloseTo(2, 10);
    expect(slope([0, 60, 120], [100, 100, 100])).toBe(0);
    expect(slope([1], [1])).toBeNaN();
  });
});
