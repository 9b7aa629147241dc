import { INTENT_LABELS, type IntentLabel } from '../../common/intent-labels';
import { ModelCatalog } from '../model-catalog';
import { decideRoute, type RoutingThresholds } from '../routing-decision';
import { RoutingPolicyService } from '../routing-policy';
import type { RoutingInput } from '../routing.types';
import { inSample, sampleFraction, SAMPLE_SALT } from './sampling';
import { ShadowEvaluator, type ShadowCandidate } from './shadow-evaluation';
import { shadowSummary, type ShadowGroupRow } from './shadow-report';
import { participation } from './shadow-settings.service';
import type { LiveCall, ShadowClassifier, ShadowJob } from './shadow.types';
import { BoundedWorkQueue } from './work-queue';

const catalog = ModelCatalog.load('config/models.yaml');
const policies = RoutingPolicyService.load('config/routing.yaml', catalog);
const thresholds: RoutingThresholds = { lowConfidence: 0.4, minConfForDirect: 0.8 };
const available = { isProviderConfigured: () => true, isCircuitOpen: () => false };

function input(label: IntentLabel, confidence = 0.95): RoutingInput {
  return {
    requestedModel: undefined,
    intent: { label, confidence, signals: null, method: 'model' },
    estimatedPromptTokens: 400,
    requestedMaxOutputTokens: null,
    needsVision: label === 'vision',
    needsTools: false,
    needsJsonMode: false,
    needsStreaming: false,
    budgetRemainingRatio: null,
  };
}

function liveCall(label: IntentLabel): LiveCall {
  const routingInput = input(label);
  return {
    request: { messages: [{ role: 'user', content: 'hello' }] },
    input: routingInput,
    promptTokensUpperBound: 500,
    decision: decideRoute(routingInput, catalog, policies.policy, available, thresholds),
    unconfigured: [],
    tenantRouting: null,
    answer: () => null,
  };
}

function job(call: LiveCall, i = 0): ShadowJob {
  return {
    requestId: `req-${i}`,
    tenantId: '11111111-1111-4111-8111-111111111111',
    at: 1_764_900_000_000,
    sendRequest: false,
    live: () => call,
  };
}

const candidate = (over: Partial<ShadowCandidate> = {}): ShadowCandidate => ({
  classifier: null,
  catalog,
  policies,
  thresholds: {},
  ...over,
});

describe('shadow sampling', () => {
  it('is deterministic per request id and close to the rate', () => {
    const ids = Array.from({ length: 10_000 }, (_, i) => `chatcmpl-${i.toString(36)}-${i * 7919}`);
    const first = ids.map((id) => inSample(id, 0.1));
    expect(ids.map((id) => inSample(id, 0.1)).join()).toBe(first.join());
    const share = first.filter(Boolean).length / ids.length;
    expect(share).toBeGreaterThan(0.088);
    expect(share).toBeLessThan(0.112);
    // A larger rate keeps every id of a smaller one (nested samples).
    for (const id of ids.slice(0, 2_000)) if (inSample(id, 0.1)) expect(inSample(id, 0.3)).toBe(true);
  });

  it('never at 0, always at 1; the request sample is drawn independently', () => {
    expect(inSample('x', 0)).toBe(false);
    expect(inSample('x', 1)).toBe(true);
    expect(sampleFraction('abc', SAMPLE_SALT.request)).not.toBe(
      sampleFraction('abc', SAMPLE_SALT.evaluation),
    );
  });

  it("takes the tenant's setting over the SHADOW_* defaults", () => {
    const defaults = { enabled: true, defaultOn: true, sampleRate: 0.1 };
    expect(participation(defaults, undefined)).toEqual({ rate: 0.1, requestRate: 0 });
    expect(participation({ ...defaults, enabled: false }, undefined)).toBeNull();
    expect(participation({ ...defaults, defaultOn: false }, undefined)).toBeNull();
    const setting = {
      tenant_id: 't',
      enabled: true,
      sample_rate: 0.5,
      requests: { enabled: true, sample_rate: 0.02, budget_usd: 1, spent_usd: 0.5 },
      updated_at: '',
    };
    expect(participation({ ...defaults, defaultOn: false }, setting)).toEqual({
      rate: 0.5,
      requestRate: 0.02,
    });
    // A spent shadow request budget stops the shadow requests, not the evaluation.
    const spent = { ...setting, requests: { ...setting.requests, spent_usd: 1 } };
    expect(participation(defaults, spent)).toEqual({ rate: 0.5, requestRate: 0 });
    expect(participation(defaults, { ...setting, enabled: false })).toBeNull();
  });
});

describe('shadow work queue', () => {
  function harness(max: number, budgetMs: number, maxShare: number) {
    let clock = 0;
    const immediate: Array<() => void> = [];
    const later: Array<{ task: () => void; ms: number }> = [];
    const ran: number[] = [];
    const queue = new BoundedWorkQueue<number>({
      max,
      budgetMs,
      maxShare,
      run: (n) => {
        clock += 1; // every job takes 1 ms
        if (n < 0) throw new Error('bad job');
        ran.push(n);
      },
      now: () => clock,
      immediate: (task) => immediate.push(task),
      later: (task, ms) => later.push({ task, ms }),
    });
    return { queue, immediate, later, ran };
  }

  it('never runs a job on push, drops and counts beyond its bound', () => {
    const { queue, immediate, ran } = harness(5, 100, 1);
    for (let i = 0; i < 8; i++) queue.push(i);
    expect(ran).toEqual([]);
    expect(queue.stats()).toMatchObject({ queued: 5, accepted: 5, dropped: 3 });
    expect(immediate).toHaveLength(1); // one turn scheduled, not one per job
    immediate.shift()!();
    expect(ran).toEqual([0, 1, 2, 3, 4]);
    expect(queue.stats()).toMatchObject({ queued: 0, done: 5 });
  });

  it('stops a turn at its time budget and waits to keep to its CPU share; a failing job is counted', () => {
    const { queue, immediate, later, ran } = harness(100, 3, 0.1);
    for (let i = 0; i < 10; i++) queue.push(i === 4 ? -1 : i);
    immediate.shift()!();
    expect(ran).toEqual([0, 1, 2]);
    // 3 ms of work at a 10 % share: the next turn waits 27 ms.
    expect(later).toHaveLength(1);
    expect(later[0].ms).toBeCloseTo(27);
    later.shift()!.task();
    expect(ran).toEqual([0, 1, 2, 3, 5]);
    expect(queue.stats()).toMatchObject({ failed: 1, queued: 4 });
  });
});

describe('shadow evaluation', () => {
  const labels = INTENT_LABELS.filter((label) => label !== 'safety_risk');

  it('agrees with the live decision under the live configuration', () => {
    const evaluator = new ShadowEvaluator(candidate(), thresholds);
    for (const label of labels) {
      const { result } = evaluator.evaluate(job(liveCall(label)))!;
      expect(result.shadowLabel).toBe(result.liveLabel);
      expect(result.shadowModel).toBe(result.liveModel);
      expect(result.shadowCostNano).toBe(result.liveCostNano);
    }
  });

  it('records a label disagreement and its route with a candidate classifier', () => {
    const classifier: ShadowClassifier = {
      description: 'always code',
      classify: () => ({ label: 'code_gen', confidence: 0.99, signals: null, method: 'model' }),
    };
    const evaluator = new ShadowEvaluator(candidate({ classifier }), thresholds);
    const { result } = evaluator.evaluate(job(liveCall('chat_lite')))!;
    expect(result).toMatchObject({
      liveLabel: 'chat_lite',
      shadowLabel: 'code_gen',
      shadowConfidence: 0.99,
    });
    const code = decideRoute(input('code_gen', 0.99), catalog, policies.policy, available, thresholds);
    expect(result.shadowModel).toBe(code.target!.model);
  });

  it('applies candidate thresholds: nothing trusted at 1.0 takes the default route', () => {
    const evaluator = new ShadowEvaluator(
      candidate({ thresholds: { lowConfidence: 1, minConfForDirect: 1 } }),
      thresholds,
    );
    const { result } = evaluator.evaluate(job(liveCall('code_gen')))!;
    expect(result.shadowLabel).toBe('code_gen');
    expect(result.shadowModel).toBe(catalog.resolve(policies.policy.default.model)!.id);
  });

  it('sums agreement per live label, confusion, moves and the cost delta', () => {
    const rows: ShadowGroupRow[] = [
      {
        live_label: 'code_gen',
        shadow_label: 'code_gen',
        live_model: 'a',
        shadow_model: 'a',
        n: '6',
        live_cost: '600',
        shadow_cost: '600',
      },
      {
        live_label: 'code_gen',
        shadow_label: 'deep_reason',
        live_model: 'a',
        shadow_model: 'b',
        n: '4',
        live_cost: '400',
        shadow_cost: '800',
      },
      {
        live_label: null,
        shadow_label: 'chat_lite',
        live_model: 'c',
        shadow_model: 'c',
        n: 2,
        live_cost: 0,
        shadow_cost: 0,
      },
    ];
    const summary = shadowSummary(rows);
    expect(summary.requests).toBe(12);
    expect(summary.label_agreement_rate).toBe(0.5);
    expect(summary.route_agreement_rate).toBeCloseTo(8 / 12, 4);
    expect(summary.by_live_label.code_gen).toMatchObject({
      requests: 10,
      label_agreed: 6,
      label_agreement_rate: 0.6,
      route_agreed: 6,
      shadow_labels: { code_gen: 6, deep_reason: 4 },
      cost_delta_usd: 400e-9,
    });
    expect(summary.confusion).toEqual([
      { live: 'code_gen', shadow: 'deep_reason', requests: 4 },
      { live: 'none', shadow: 'chat_lite', requests: 2 },
    ]);
    expect(summary.moves).toEqual([{ from: 'a', to: 'b', requests: 4 }]);
    expect(summary.cost_delta_share).toBe(0.4);
  });
});
