import type { LoadResult } from '../../bench/load';
import {
  compareToDirect,
  evaluateTargets,
  renderBreakdown,
  renderMarkdown,
  summarizeGroup,
  type GroupKey,
  type RunRecord,
} from '../../bench/report';
import { SampleBuffer, summarize } from '../../bench/stats';

function buffer(values: number[]): SampleBuffer {
  const b = new SampleBuffer(1);
  for (const v of values) b.push(v);
  return b;
}

function record(
  key: GroupKey,
  round: number,
  latencies: number[],
  cpuMs: number | null,
  rps: number,
): RunRecord {
  const load: LoadResult = {
    connections: key.connections,
    durationS: 1,
    requests2xx: latencies.length,
    non2xx: 0,
    errors: 0,
    timeouts: 0,
    rps,
    latency: summarize(latencies),
    ttfb: null,
  };
  return {
    ...key,
    round,
    load,
    cpuMs,
    cpuMsPerRequest: cpuMs === null ? null : cpuMs / latencies.length,
    rssBytes: cpuMs === null ? null : 100 * 1024 * 1024,
    upstreamCpuMsPerRequest: 0.05,
    machineBusyCores: 1,
    otherBusyCores: 0.2,
  };
}

describe('bench report', () => {
  const directKey: GroupKey = { workers: 1, connections: 1, stream: false, target: 'direct' };
  const gatewayKey: GroupKey = { ...directKey, target: 'gateway' };
  const direct = [
    record(directKey, 1, [0.1, 0.1, 0.2, 0.2], null, 1000),
    record(directKey, 2, [0.1, 0.3, 0.3, 0.3], null, 900),
  ];
  const gateway = [
    record(gatewayKey, 1, [0.4, 0.4, 0.5, 0.6], 1.6, 500),
    record(gatewayKey, 2, [0.5, 0.5, 0.6, 0.9], 2.4, 450),
  ];

  it('pools latencies over rounds and divides total CPU by total requests', () => {
    const group = summarizeGroup(gatewayKey, gateway, {
      latency: buffer([0.4, 0.4, 0.5, 0.6, 0.5, 0.5, 0.6, 0.9]),
      ttfb: null,
    });
    expect(group.requests).toBe(8);
    expect(group.latency.p50).toBe(0.5);
    expect(group.cpuMsPerRequest).toBeCloseTo(0.5, 10);
    expect(group.rps).toEqual({ min: 450, median: 475, max: 500 });
    expect(group.rssMaxBytes).toBe(100 * 1024 * 1024);
  });

  it('computes what the gateway adds over direct, pooled and round by round', () => {
    const d = summarizeGroup(directKey, direct, {
      latency: buffer([0.1, 0.1, 0.2, 0.2, 0.1, 0.3, 0.3, 0.3]),
      ttfb: null,
    });
    const g = summarizeGroup(gatewayKey, gateway, {
      latency: buffer([0.4, 0.4, 0.5, 0.6, 0.5, 0.5, 0.6, 0.9]),
      ttfb: null,
    });
    const comparison = compareToDirect(d, g, direct, gateway);
    expect(comparison.addedP50Ms).toBeCloseTo(0.5 - 0.2, 10);
    // round 1: 0.4 − 0.1; round 2: 0.5 − 0.3
    expect(comparison.addedP50PerRound.min).toBeCloseTo(0.2, 10);
    expect(comparison.addedP50PerRound.max).toBeCloseTo(0.3, 10);
    expect(comparison.rpsRatio).toBeCloseTo(475 / 950, 10);
    const markdown = renderMarkdown({
      groups: [d, g],
      comparisons: [comparison],
      targets: [],
      micro: [],
      notes: ['a note'],
    });
    expect(markdown).toContain('| ModelMuxer ×1 | json | 1 | 950 / 475 |');
    expect(markdown).toContain('+0.30 / +0.60'); // p99: 0.9 − 0.3
    expect(markdown).toContain('- a note');
  });

  it('checks the targets and leaves unmeasured ones undecided', () => {
    const checks = evaluateTargets({
      cpuMsPerRequest: { value: 0.4, connections: 64 },
      cpuMsPerRequestLowLoad: 0.9,
      addedP50AtOne: 0.6,
      addedP99AtOne: 1.5,
      addedTtfbP50AtOne: null,
      flushed: { ok: true, detail: '10 events' },
      rssMaxBytes: 150 * 1024 * 1024,
      rssGrowth: { startBytes: 150 * 1024 * 1024, endBytes: 190 * 1024 * 1024, seconds: 600, label: 'soak' },
    });
    expect(checks.map((c) => c.met)).toEqual([true, false, true, null, true, true, false]);
    expect(checks[0].measured).toBe('0.400 ms (0.900 ms at 1 connection)');
    expect(checks[6].measured).toBe('150 → 190 MB over 600 s');
  });

  it("judges issue 19's start-up targets: ready within 1.5 s, heap at start-up within 120 MB", () => {
    const checks = evaluateTargets({
      cpuMsPerRequest: { value: 0.41, connections: 64 },
      cpuMsPerRequestLowLoad: null,
      addedP50AtOne: null,
      addedP99AtOne: null,
      addedTtfbP50AtOne: 0.5,
      flushed: null,
      rssMaxBytes: 221 * 1024 * 1024,
      rssGrowth: null,
      startupMs: 1600,
      startupHeapBytes: 100 * 1024 * 1024,
    });
    expect(checks.map((c) => [c.goal, c.met])).toEqual([
      ['≤ 0.4 ms', false],
      ['≤ 0.5 ms', null],
      ['≤ 2 ms', null],
      ['≤ 0.5 ms', true],
      ['every event relayed on its own', null],
      ['≤ 220 MB', false],
      ['≤ 1.5 s', false],
      ['≤ 120 MB', true],
    ]);
    expect(checks[6].measured).toBe('1.60 s');
    expect(checks[7].measured).toBe('100 MB');
  });

  it('does not judge memory growth over a run shorter than the 10-minute soak', () => {
    const [growth] = evaluateTargets({
      cpuMsPerRequest: { value: null, connections: 64 },
      cpuMsPerRequestLowLoad: null,
      addedP50AtOne: null,
      addedP99AtOne: null,
      addedTtfbP50AtOne: null,
      flushed: null,
      rssMaxBytes: null,
      rssGrowth: { startBytes: 1, endBytes: 1e9, seconds: 300, label: 'short' },
    }).slice(-1);
    expect(growth.met).toBeNull();
  });

  it('judges the telemetry target on the default-sampling figure (µs → ms)', () => {
    const base = {
      cpuMsPerRequest: { value: null, connections: 64 },
      cpuMsPerRequestLowLoad: null,
      addedP50AtOne: null,
      addedP99AtOne: null,
      addedTtfbP50AtOne: null,
      flushed: null,
      rssMaxBytes: null,
      rssGrowth: null,
    };
    const telemetry = (defaultSampling: number | null) =>
      evaluateTargets({
        ...base,
        telemetryCpuUs: { defaultSampling, metricsOnly: 50, fullSampling: 300 },
      }).find((check) => check.name.startsWith('Telemetry CPU'))!;
    expect(telemetry(71).met).toBe(true);
    expect(telemetry(71).measured).toBe('0.071 ms (metrics only 0.050, 100 % sampled 0.300)');
    expect(telemetry(104).met).toBe(false);
    expect(telemetry(null).met).toBeNull();
    expect(evaluateTargets(base).some((check) => check.name.startsWith('Telemetry CPU'))).toBe(false);
  });

  it('renders the feature breakdown against the all-features row', () => {
    const text = renderBreakdown(64, [
      { variant: 'all', cpuMsPerRequest: 1, p50AtOneMs: 2, upstreamCpuMsPerRequest: 0.1 },
      { variant: 'without x', cpuMsPerRequest: 0.75, p50AtOneMs: 1.5, upstreamCpuMsPerRequest: 0.1 },
    ]);
    expect(text).toContain('| without x | 0.750 | -0.250 | 1.500 | -0.500 | 0.100 |');
  });
});
