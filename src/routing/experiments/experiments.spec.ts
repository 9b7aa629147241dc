import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { GatewayError } from '../../common/errors';
import type { TenantRoutingSource } from '../lab/decision-record';
import { ModelCatalog } from '../model-catalog';
import { RoutingPolicyService } from '../routing-policy';
import { assignArm, stickyKey, unitHash, type WeightedArm } from './arm-assignment';
import { meanInterval, quantileRanks, rankFraction, wilsonInterval } from './confidence';
import { armReport, latencyFractions } from './experiment-report';
import { parseExperimentSpec } from './experiment-spec';
import { compileArm, LiveExperiment, type LiveRouting } from './live-experiment';

const EXPERIMENT = '6f1c1f43-6a43-4a6e-9a51-0b1f3c0a7e11';
const TENANT = '0d6bbf0f-2f7a-4a53-8d0b-5c2b1d6b9e21';
const keys = (n: number) => Array.from({ length: n }, (_, i) => stickyKey('key', subject(`key-${i}`)));

function subject(keyIdentity: string, firstUserMessage: string | null = null) {
  return { tenantId: TENANT, keyIdentity, firstUserMessage };
}

function shares(arms: WeightedArm[], stickyKeys: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const key of stickyKeys) {
    const arm = assignArm(arms, EXPERIMENT, key) ?? 'none';
    counts[arm] = (counts[arm] ?? 0) + 1;
  }
  for (const arm of Object.keys(counts)) counts[arm] /= stickyKeys.length;
  return counts;
}

describe('A/B arm assignment', () => {
  const arms: WeightedArm[] = [
    { name: 'control', weight: 70, active: true },
    { name: 'quality', weight: 30, active: true },
  ];

  it('is sticky: the same key gets the same arm on every one of 1,000 calls', () => {
    const seen = new Set<string | null>();
    let changed = 0;
    for (const key of keys(20)) {
      const first = assignArm(arms, EXPERIMENT, key);
      seen.add(first);
      for (let i = 0; i < 1_000; i++) if (assignArm(arms, EXPERIMENT, key) !== first) changed++;
    }
    expect(changed).toBe(0);
    expect(seen).toEqual(new Set(['control', 'quality']));
  });

  it('respects the weights over 10,000 synthetic keys (within 2.5 points), and another experiment reshuffles', () => {
    const split = shares(arms, keys(10_000));
    expect(split.control).toBeCloseTo(0.7, 1);
    expect(Math.abs(split.control - 0.7)).toBeLessThan(0.025);
    expect(Math.abs(split.quality - 0.3)).toBeLessThan(0.025);
    const three = shares(
      [
        { name: 'a', weight: 1, active: true },
        { name: 'b', weight: 2, active: true },
        { name: 'c', weight: 1, active: true },
      ],
      keys(10_000),
    );
    expect(Math.abs(three.b - 0.5)).toBeLessThan(0.025);
    expect(Math.abs(three.a - 0.25)).toBeLessThan(0.025);
    // The experiment id salts the hash: a new experiment does not inherit the last one's split.
    const other = keys(2_000).filter(
      (key) => assignArm(arms, EXPERIMENT, key) !== assignArm(arms, 'another-experiment', key),
    );
    expect(other.length).toBeGreaterThan(400);
  });

  it('sends a stopped arm’s traffic to the running arms by weight; every other key keeps its arm', () => {
    const three: WeightedArm[] = [
      { name: 'a', weight: 1, active: true },
      { name: 'b', weight: 1, active: true },
      { name: 'c', weight: 2, active: true },
    ];
    const stopped = three.map((arm) => (arm.name === 'a' ? { ...arm, active: false } : arm));
    const all = keys(10_000);
    let toStopped = 0;
    let movedWithoutCause = 0;
    let movedFromA = 0;
    for (const key of all) {
      const before = assignArm(three, EXPERIMENT, key);
      const after = assignArm(stopped, EXPERIMENT, key);
      if (after === 'a') toStopped++;
      if (before !== 'a' && after !== before) movedWithoutCause++;
      if (before === 'a') movedFromA++;
    }
    expect(toStopped).toBe(0);
    expect(movedWithoutCause).toBe(0);
    expect(movedFromA).toBeGreaterThan(2_000);
    const split = shares(stopped, all);
    expect(Math.abs(split.b - 1 / 3)).toBeLessThan(0.025);
    expect(Math.abs(split.c - 2 / 3)).toBeLessThan(0.025);
    expect(
      assignArm(
        three.map((arm) => ({ ...arm, active: false })),
        EXPERIMENT,
        all[0],
      ),
    ).toBeNull();
  });

  it('keys a conversation by its first user message, and falls back to the API key without one', () => {
    expect(stickyKey('conversation', subject('k1', '"hello"'))).toBe(
      stickyKey('conversation', subject('k2', '"hello"')),
    );
    expect(stickyKey('conversation', subject('k1', null))).toBe(stickyKey('key', subject('k1')));
    expect(stickyKey('key', subject('k1', '"a"'))).toBe(stickyKey('key', subject('k1', '"b"')));
    const point = unitHash('x');
    expect(point).toBeGreaterThanOrEqual(0);
    expect(point).toBeLessThan(1);
  });
});

describe('experiment confidence intervals', () => {
  it('Wilson score interval matches published values (Newcombe 1998: 81/263 → 0.2553–0.3662)', () => {
    const ci = wilsonInterval(81, 263)!;
    expect(ci.low).toBeCloseTo(0.2553, 4);
    expect(ci.high).toBeCloseTo(0.3662, 4);
    expect(wilsonInterval(0, 10)).toEqual({ low: 0, high: expect.closeTo(0.2775, 4) as number });
    const half = wilsonInterval(5, 10)!;
    expect(half.low).toBeCloseTo(0.2366, 4);
    expect(half.high).toBeCloseTo(0.7634, 4);
    expect(wilsonInterval(0, 0)).toBeNull();
    expect(wilsonInterval(0, 162)!.low).toBe(0);
    expect(wilsonInterval(7, 7)!.high).toBe(1);
  });

  it('normal interval of a mean, and order-statistic ranks of percentiles', () => {
    const ci = meanInterval(10, 2, 100)!;
    expect(ci.low).toBeCloseTo(9.608, 3);
    expect(ci.high).toBeCloseTo(10.392, 3);
    expect(meanInterval(10, 0, 1)).toBeNull();
    expect(quantileRanks(100, 0.5)).toEqual({ rank: 50, low: 40, high: 60 });
    expect(quantileRanks(1000, 0.95)).toEqual({ rank: 950, low: 936, high: 964 });
    expect(quantileRanks(1, 0.95)).toEqual({ rank: 1, low: 1, high: 1 });
    // percentile_disc(f) is the ceil(f·n)-th value: the fraction picks exactly the rank, for any n.
    for (const n of [1, 2, 3, 7, 10, 99, 1000, 123_457])
      for (const rank of [1, Math.ceil(n / 2), n]) expect(Math.ceil(rankFraction(rank, n) * n)).toBe(rank);
    expect(latencyFractions(0)).toBeNull();
    expect(latencyFractions(100)).toHaveLength(6);
  });

  it('builds an arm report from the aggregates (cost in USD, rates with Wilson intervals)', () => {
    const report = armReport(
      { name: 'b', weight: 1, routing: null, stopped_at: null },
      {
        arm: 'b',
        n: 263,
        cost_sum: '263000000',
        cost_mean: 1_000_000,
        cost_sd: 200_000,
        latency_mean: 120,
        errors: 81,
        rejected: 2,
        fallbacks: 0,
        cache_hits: 1,
      },
      [100, 90, 110, 300, 250, 400],
    );
    expect(report.cost.total_usd).toBeCloseTo(0.263, 9);
    expect(report.cost.per_request_usd).toBeCloseTo(0.001, 9);
    expect(report.errors.ci95!.low).toBeCloseTo(0.2553, 4);
    expect(report.fallbacks).toMatchObject({ count: 0, rate: 0 });
    expect(report.latency_ms.p50).toEqual({ value: 100, ci95: { low: 90, high: 110 } });
    expect(report.latency_ms.p95).toEqual({ value: 300, ci95: { low: 250, high: 400 } });
    const empty = armReport({ name: 'c', weight: 1, routing: null, stopped_at: 'x' }, undefined, []);
    expect(empty).toMatchObject({ status: 'stopped', requests: 0, errors: { rate: null, ci95: null } });
  });
});

describe('experiment configuration', () => {
  const catalog = ModelCatalog.load('config/models.yaml');
  const policies = RoutingPolicyService.load('config/routing.yaml', catalog);
  const live: LiveRouting = { catalog, policies, routingFile: 'config/routing.yaml' };
  const shipped = parse(readFileSync('config/routing.yaml', 'utf8')) as Record<string, unknown>;
  const candidate = (patch: Record<string, unknown>) => stringify({ ...shipped, ...patch });
  const problem = (body: unknown): { param: string | null; message: string } => {
    try {
      parseExperimentSpec(body);
    } catch (error) {
      if (error instanceof GatewayError) return { param: error.param, message: error.message };
      throw error;
    }
    throw new Error('accepted');
  };
  const arms = [
    { name: 'control', weight: 1 },
    { name: 'quality', weight: 1, routing: 'x: 1' },
  ];

  it('accepts a valid experiment and names the field of every problem', () => {
    expect(parseExperimentSpec({ name: 'q1 weights', arms })).toEqual({
      name: 'q1 weights',
      sticky: 'key',
      arms: [
        { name: 'control', weight: 1, routing: null },
        { name: 'quality', weight: 1, routing: 'x: 1' },
      ],
      replaceRunning: false,
    });
    expect(problem({ arms }).param).toBe('name');
    expect(problem({ name: 'x', arms, extra: 1 }).param).toBe('extra');
    expect(problem({ name: 'x', arms, sticky: 'user' }).param).toBe('sticky');
    expect(problem({ name: 'x', arms: [arms[0]] }).param).toBe('arms');
    expect(
      problem({ name: 'x', arms: Array.from({ length: 9 }, (_, i) => ({ name: `a${i}`, weight: 1 })) }).param,
    ).toBe('arms');
    expect(problem({ name: 'x', arms: [arms[0], { ...arms[1], name: 'control' }] }).param).toBe(
      'arms[1].name',
    );
    expect(problem({ name: 'x', arms: [arms[0], { ...arms[1], name: 'Not Ok' }] }).param).toBe(
      'arms[1].name',
    );
    expect(problem({ name: 'x', arms: [arms[0], { ...arms[1], weight: 0 }] }).param).toBe('arms[1].weight');
    expect(problem({ name: 'x', arms: [arms[0], { ...arms[1], weight: '1' }] }).param).toBe('arms[1].weight');
    expect(problem({ name: 'x', arms: [arms[0], { ...arms[1], routing: 5 }] }).param).toBe('arms[1].routing');
    expect(problem({ name: 'x', arms: [arms[0], { ...arms[1], colour: 'red' }] }).param).toBe(
      'arms[1].colour',
    );
    expect(problem({ name: 'x', arms, replace_running: 'yes' }).param).toBe('replace_running');
  });

  it('validates an arm’s routing like the replay’s candidate routing (400 naming the arm)', () => {
    const bad = (() => {
      try {
        compileArm({ name: 'b', weight: 1, routing: 'weights: {cost: 1}' }, 1, live);
      } catch (error) {
        return error as GatewayError;
      }
      return null;
    })();
    expect(bad).toBeInstanceOf(GatewayError);
    expect(bad!.param).toBe('arms[1].routing');
    expect(bad!.status).toBe(400);
    const arm = compileArm(
      { name: 'b', weight: 1, routing: candidate({ weights: { cost: 0, quality: 1 } }) },
      1,
      live,
    );
    expect(arm.policyFor(null)).not.toBe('live');
    expect((arm.policyFor(null) as { weights: { quality: number } }).weights.quality).toBe(1);
    expect(compileArm({ name: 'a', weight: 1, routing: null }, 0, live).policyFor(null)).toBe('live');
  });

  it('merges the tenant’s policy over an arm; an arm the tenant’s policy is invalid under gets no traffic', () => {
    const tenant: TenantRoutingSource = {
      override: { exclude_models: ['gpt-4o-mini'] },
      allow_only: { providers: ['openai'], models: null },
    };
    const quality = compileArm(
      { name: 'quality', weight: 1, routing: candidate({ weights: { cost: 0, quality: 1 } }) },
      1,
      live,
    );
    const merged = quality.policyFor(tenant);
    expect(merged).toMatchObject({ exclude_models: ['gpt-4o-mini'], allow_only: tenant.allow_only });
    expect(quality.policyFor(tenant)).toBe(merged); // compiled once per tenant policy
    const clash = compileArm(
      {
        name: 'clash',
        weight: 1000,
        routing: candidate({ default: { ...(shipped.default as object), model: 'gpt-4o-mini' } }),
      },
      1,
      live,
    );
    expect(clash.policyFor(tenant)).toBeNull();
    const experiment = new LiveExperiment(EXPERIMENT, TENANT, 'key', [
      compileArm({ name: 'control', weight: 1, routing: null }, 0, live),
      clash,
    ]);
    for (let i = 0; i < 200; i++) {
      expect(experiment.assign(subject(`k${i}`), tenant)).toMatchObject({ arm: 'control', policy: 'live' });
    }
    expect(
      new Set(Array.from({ length: 200 }, (_, i) => experiment.assign(subject(`k${i}`), null)!.arm)),
    ).toEqual(new Set(['control', 'clash']));
  });
});
