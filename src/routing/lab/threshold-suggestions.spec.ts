import { costNanoUsd } from '../../common/pricing';
import { INTENT_LABELS, type IntentLabel } from '../../common/intent-labels';
import { ModelCatalog } from '../model-catalog';
import { decideRoute, type RoutingThresholds } from '../routing-decision';
import { RoutingPolicyService } from '../routing-policy';
import type { RoutingInput } from '../routing.types';
import { loggedInputs } from './decision-record';
import { ReplayRun, type ReplayRow } from './replay';
import { belowFloorChance, ThresholdEvidence } from './threshold-evidence';
import {
  suggestFloor,
  suggestThresholds,
  type FloorSample,
  type SampleOutcome,
  type ThresholdSample,
} from './threshold-suggestions';

const o = (costNano: number, below: number): SampleOutcome => ({ costNano, below });

/**
 * 400 requests, four per confidence bin (0.005, 0.015, … 0.995). Default route: 100 nUSD, never
 * below its floor; cautious: 50, below under 0.5; direct: 10, below under 0.8.
 */
const bands: ThresholdSample[] = Array.from({ length: 400 }, (_, i) => {
  const c = 0.005 + Math.floor(i / 4) / 100;
  return {
    confidence: c,
    bands: [o(100, 0), o(50, c < 0.5 ? 1 : 0), o(10, c < 0.8 ? 1 : 0)],
    fallbackServed: i % 100 === 0,
  };
});
const current: RoutingThresholds = { lowConfidence: 0.4, minConfForDirect: 0.8 };
const target = (maxBelowFloorShare: number) => ({
  maxBelowFloorShare,
  minThresholdEvidence: 200,
  minFloorEvidence: 50,
});

describe('threshold suggestions (pure)', () => {
  it('prices the current thresholds and finds the cheapest pair with nothing below the floor', () => {
    const s = suggestThresholds(bands, 400, current, target(0));
    // Now: [0.4, 0.5) is cautious and below its floor: 40 of 400.
    expect(s.current).toEqual({
      low_confidence: 0.4,
      min_conf_for_direct: 0.8,
      expected_cost_usd: (160 * 100 + 160 * 50 + 80 * 10) / 1e9,
      below_floor_share: 0.1,
    });
    expect(s.status).toBe('suggested');
    expect(s.suggested).toEqual({
      low_confidence: 0.5,
      min_conf_for_direct: 0.8,
      expected_cost_usd: (200 * 100 + 120 * 50 + 80 * 10) / 1e9,
      below_floor_share: 0,
    });
    expect(s.evidence).toEqual({
      requests: 400,
      sampled: 400,
      by_route: { default: 160, cautious: 160, direct: 80 },
      fallback_served: 4,
    });
  });

  it('spends the allowed share where it saves most (2 %: 8 requests cautious below 0.5)', () => {
    const s = suggestThresholds(bands, 400, current, target(0.02));
    expect(s.suggested).toMatchObject({
      low_confidence: 0.48,
      min_conf_for_direct: 0.8,
      below_floor_share: 0.02,
    });
  });

  it('scales a sample up to the population it stands for', () => {
    const s = suggestThresholds(bands, 4_000, current, target(0));
    expect(s.suggested!.expected_cost_usd).toBeCloseTo(((200 * 100 + 120 * 50 + 80 * 10) * 10) / 1e9, 12);
    expect(s.evidence).toMatchObject({ requests: 4_000, sampled: 400 });
  });

  it('says so when the data is too thin, and suggests nothing', () => {
    const s = suggestThresholds(bands.slice(0, 150), 150, current, target(0.02));
    expect(s.status).toBe('insufficient_data');
    expect(s.suggested).toBeNull();
    expect(s.note).toMatch(/too little data: 150 .* at least 200/);
  });

  it('reports an unreachable target with the lowest share it can reach', () => {
    const always = bands.map((b) => ({ ...b, bands: [o(100, 0.5), o(50, 1), o(10, 1)] as const }));
    const s = suggestThresholds(always, 400, current, target(0.02));
    expect(s.status).toBe('target_unreachable');
    expect(s.suggested).toMatchObject({ low_confidence: 1, min_conf_for_direct: 1, below_floor_share: 0.5 });
  });

  it('keeps the current thresholds when they are already the cheapest that meet the target', () => {
    const s = suggestThresholds(bands, 400, { lowConfidence: 0.5, minConfForDirect: 0.8 }, target(0));
    expect(s.status).toBe('unchanged');
    expect(s.suggested).toBeNull();
  });

  describe('quality floors', () => {
    const floors = [0.7, 0.8, 0.9];
    const samples: FloorSample[] = Array.from({ length: 100 }, (_, i) => ({
      // Floor 0.7: 5 % below (every 20th request); 0.8: 1 %; 0.9: none.
      outcomes: [o(1, i % 20 === 0 ? 1 : 0), o(2, i === 0 ? 1 : 0), o(3, 0)],
    }));

    it('keeps the current floor when it is the cheapest that meets the target', () => {
      const s = suggestFloor('code_gen', floors, 0.8, samples, 100, target(0.02));
      expect(s).toMatchObject({
        status: 'unchanged',
        suggested: null,
        evidence: { requests: 100, sampled: 100 },
      });
      expect(s.current).toEqual({ min_quality: 0.8, expected_cost_usd: 200 / 1e9, below_floor_share: 0.01 });
    });

    it('lowers it when a looser target allows, raises it for a stricter one', () => {
      expect(suggestFloor('code_gen', floors, 0.8, samples, 100, target(0.06)).suggested).toEqual({
        min_quality: 0.7,
        expected_cost_usd: 100 / 1e9,
        below_floor_share: 0.05,
      });
      expect(suggestFloor('code_gen', floors, 0.8, samples, 100, target(0.005)).suggested).toMatchObject({
        min_quality: 0.9,
        below_floor_share: 0,
      });
    });

    it('suggests nothing for a label with too few requests', () => {
      const s = suggestFloor('vision', floors, 0.8, samples.slice(0, 10), 10, target(0.02));
      expect(s).toMatchObject({ status: 'insufficient_data', suggested: null });
      expect(s.note).toMatch(/too little data: 10 sampled vision requests/);
    });
  });
});

describe('threshold evidence (replayed rows)', () => {
  const catalog = ModelCatalog.load('config/models.yaml');
  const policies = RoutingPolicyService.load('config/routing.yaml', catalog);
  const thresholds: RoutingThresholds = { lowConfidence: 0.4, minConfForDirect: 0.8 };
  const available = { isProviderConfigured: () => true, isCircuitOpen: () => false };

  function row(i: number): ReplayRow {
    const label = INTENT_LABELS[i % 5] as IntentLabel;
    const confidence = 0.2 + ((i * 37) % 80) / 100;
    const input: RoutingInput = {
      requestedModel: i % 9 === 0 ? 'gpt-4o' : undefined,
      intent: {
        label,
        confidence,
        signals: null,
        method: 'model',
        scores: { [label]: confidence, chat_lite: label === 'chat_lite' ? confidence : 1 - confidence },
      },
      estimatedPromptTokens: 50 + ((i * 131) % 3000),
      requestedMaxOutputTokens: null,
      needsVision: false,
      needsTools: false,
      needsJsonMode: label === 'json_extract',
      needsStreaming: false,
      budgetRemainingRatio: null,
    };
    const decision = decideRoute(input, catalog, policies.policy, available, thresholds);
    const spec = catalog.resolve(decision.target!.model)!;
    const completion = 20 + ((i * 97) % 900);
    return {
      input_version: 1,
      inputs: JSON.parse(JSON.stringify(loggedInputs(input, thresholds, decision, [], null))),
      target_model: decision.target!.model,
      budget_downgraded: false,
      cost_nano: String(
        costNanoUsd(spec.pricing, {
          promptTokens: input.estimatedPromptTokens,
          completionTokens: completion,
        }),
      ),
      prompt_tokens: input.estimatedPromptTokens,
      completion_tokens: completion,
      cached_tokens: 0,
      cache_hit: false,
      served_model: decision.target!.model,
    };
  }

  function run(rows: ReplayRow[], sampleSize?: number) {
    const evidence = new ThresholdEvidence({ catalog, current: thresholds, sampleSize });
    const replay = new ReplayRun({ catalog, policies, reference: catalog, observer: evidence });
    evidence.pricedBy(replay);
    for (const r of rows) replay.add(r);
    return { summary: replay.summary(), suggestions: evidence.suggestions(policies.policy) };
  }

  const rows = Array.from({ length: 300 }, (_, i) => row(i));

  it('prices the current thresholds at the billed cost of the requests they act on (explicit models left out)', () => {
    const { suggestions } = run(rows);
    const auto = rows.filter((r) => r.inputs.m === null);
    const billed = auto.reduce((sum, r) => sum + Number(r.cost_nano), 0);
    expect(suggestions.thresholds.evidence).toMatchObject({
      requests: auto.length,
      sampled: auto.length,
      fallback_served: 0,
    });
    expect(suggestions.thresholds.current.expected_cost_usd).toBeCloseTo(billed / 1e9, 9);
    expect(suggestions.thresholds.status).not.toBe('insufficient_data');
    expect(Object.keys(suggestions.quality_floors)).not.toContain('safety_risk');
    expect(suggestions.quality_floors.code_gen!.current.min_quality).toBe(
      policies.policy.intents.code_gen.min_quality,
    );
  });

  it('is deterministic and bounded: the same rows give the same sample and suggestions', () => {
    const a = run(rows, 100).suggestions;
    expect(run(rows, 100).suggestions).toEqual(a);
    expect(a.thresholds.evidence).toMatchObject({ sampled: 100 });
    expect(a.thresholds.status).toBe('insufficient_data');
    expect(a.notes.join(' ')).toMatch(/uniform sample of 100 of \d+ requests/);
  });

  it('counts the chance of being below the floor of the label the request really has', () => {
    const policy = policies.policy;
    const weak = catalog
      .list()
      .find(
        (m) =>
          m.quality.code_gen < policy.intents.code_gen.min_quality &&
          m.quality.chat_lite >= policy.intents.chat_lite.min_quality,
      )!;
    expect(
      belowFloorChance(weak.id, 'chat_lite', { chat_lite: 0.75, code_gen: 0.25 }, policy, catalog),
    ).toBeCloseTo(0.25, 9);
    expect(belowFloorChance(weak.id, 'code_gen', null, policy, catalog)).toBe(1);
    expect(belowFloorChance(null, 'code_gen', null, policy, catalog)).toBe(1);
  });
});
