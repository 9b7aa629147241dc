import {
  countedStreamTokens,
  OUTPUT_MIN_SAMPLES,
  OUTPUT_SAMPLE_WINDOW,
  OutputEstimates,
  OutputSamples,
  reservedOutputTokens,
  streamExtensionTokens,
  worstCaseCostNano,
} from './output-estimate';

const bounds = { floor: 16, cap: 4_096 };

describe('OutputSamples', () => {
  it('answers the nearest-rank p99 of the window', () => {
    const samples = new OutputSamples();
    expect(samples.quantile()).toBeNull();
    for (let i = 1; i <= 100; i++) samples.add(i);
    expect(samples.quantile()).toBe(99);
    samples.add(1_000);
    expect(samples.quantile()).toBe(100);
  });

  it('keeps only the last OUTPUT_SAMPLE_WINDOW completions', () => {
    const samples = new OutputSamples();
    for (let i = 0; i < OUTPUT_SAMPLE_WINDOW; i++) samples.add(5_000);
    for (let i = 0; i < OUTPUT_SAMPLE_WINDOW; i++) samples.add(40);
    expect(samples.size).toBe(OUTPUT_SAMPLE_WINDOW);
    expect(samples.quantile()).toBe(40);
  });

  it('ignores values that are not counts', () => {
    const samples = new OutputSamples();
    for (const bad of [NaN, -1, Infinity]) samples.add(bad);
    expect(samples.size).toBe(0);
  });
});

describe('OutputEstimates', () => {
  it("uses the tenant's p99 once it has enough samples, else the model's, else nothing", () => {
    const estimates = new OutputEstimates();
    expect(estimates.p99('t1', 'gpt-4o')).toBeNull();
    for (let i = 0; i < OUTPUT_MIN_SAMPLES; i++) estimates.observe('t2', 'gpt-4o', 300, false);
    expect(estimates.p99('t1', 'gpt-4o')).toBe(300); // the model's, across tenants
    for (let i = 0; i < OUTPUT_MIN_SAMPLES; i++) estimates.observe('t1', 'gpt-4o', 50, false);
    expect(estimates.p99('t1', 'gpt-4o')).toBe(50);
    expect(estimates.p99('t1', 'claude-3-5-haiku-latest')).toBeNull();
  });

  it('counts an answer cut short double, so that the estimate grows when answers hit it', () => {
    const estimates = new OutputEstimates();
    for (let i = 0; i < 100; i++) estimates.observe('t', 'm', 50, false);
    expect(estimates.p99('t', 'm')).toBe(50);
    estimates.observe('t', 'm', 50, true);
    estimates.observe('t', 'm', 50, true);
    expect(estimates.p99('t', 'm')).toBe(100);
  });

  it('forgets the least recently observed pairs beyond its bound', () => {
    const estimates = new OutputEstimates(2);
    for (const tenant of ['a', 'b', 'c'])
      for (let i = 0; i < OUTPUT_MIN_SAMPLES; i++) estimates.observe(tenant, `m-${tenant}`, 10, false);
    expect(estimates.p99('a', 'm-a')).toBeNull();
    expect(estimates.p99('c', 'm-c')).toBe(10);
  });
});

describe('reservedOutputTokens', () => {
  it('is the p99 within [floor, cap], the cap while unknown, never above the model', () => {
    expect(reservedOutputTokens(300, bounds, 16_384)).toBe(300);
    expect(reservedOutputTokens(3, bounds, 16_384)).toBe(16);
    expect(reservedOutputTokens(90_000, bounds, 128_000)).toBe(4_096);
    expect(reservedOutputTokens(null, bounds, 16_384)).toBe(4_096);
    expect(reservedOutputTokens(null, bounds, 1_000)).toBe(1_000);
  });
});

describe('stream counting and extensions', () => {
  it('counts streamed tokens with the margin, rounded up', () => {
    expect(countedStreamTokens(0)).toBe(0);
    expect(countedStreamTokens(1)).toBe(2);
    expect(countedStreamTokens(10)).toBe(13);
  });

  it('extends by a step, never past the ceiling', () => {
    expect(streamExtensionTokens(100, 100, 16_384)).toBe(100);
    expect(streamExtensionTokens(16_300, 100, 16_384)).toBe(84);
    expect(streamExtensionTokens(16_384, 100, 16_384)).toBe(0);
  });
});

describe('worstCaseCostNano', () => {
  const cheap = { reservePricing: { input: 1, output: 2 }, maxOutputTokens: 1_000 };
  const pricey = { reservePricing: { input: 10, output: 30 }, maxOutputTokens: 100 };

  it("prices the prompt and the output per choice at the chain's priciest target", () => {
    // pricey: 100 prompt × $10/M + 100 (its ceiling) × 2 × $30/M
    expect(worstCaseCostNano([cheap, pricey], 100, 500, 2)).toBe(7_000_000);
    // cheap: 100 × $1/M + 1 000 × 2 × $2/M
    expect(worstCaseCostNano([cheap], 100, null, 2)).toBe(4_100_000);
  });
});
