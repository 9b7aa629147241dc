import { costNanoUsd } from '../common/pricing';
import { INTENT_LABELS, type IntentLabel } from '../common/intent-labels';
import { ModelCatalog } from './model-catalog';
import { premiumBaseline, routingSavings, type RoutedUsage } from './premium-baseline';
import type { ModelSpec, ModelTier } from './routing.types';

function model(
  id: string,
  tier: ModelTier,
  price: [number, number],
  q: Partial<Record<IntentLabel, number>>,
): ModelSpec {
  const quality = {} as Record<IntentLabel, number>;
  for (const label of INTENT_LABELS) quality[label] = q[label] ?? 0.7;
  return {
    id,
    provider: 'openai',
    upstream_id: id,
    aliases: [],
    pricing: { input: price[0], output: price[1], cached_input: price[0] / 10 },
    context_window: 100_000,
    max_output_tokens: 8_000,
    capabilities: { vision: true, tools: true, json_mode: true, streaming: true },
    quality,
    tier,
  };
}

const catalog = new ModelCatalog({
  auto_aliases: [],
  models: [
    model('cheap', 'economy', [0.1, 0.4], { code_gen: 0.99 }),
    model('opus', 'premium', [5, 25], {
      code_gen: 0.9,
      deep_reason: 0.95,
      translation: 0.9,
      json_extract: 0.8,
    }),
    model('gpt', 'premium', [2, 10], { code_gen: 0.95, deep_reason: 0.9, translation: 0.9 }),
    model('o3', 'reasoning', [2, 8], { deep_reason: 0.99 }),
  ],
});

describe('premiumBaseline', () => {
  const baseline = premiumBaseline(catalog.entries());

  it('picks the premium-tier model best at the intent (never a cheaper tier, nor reasoning)', () => {
    expect(baseline('code_gen')?.spec.id).toBe('gpt');
    expect(baseline('deep_reason')?.spec.id).toBe('opus');
  });

  it('breaks a quality tie by price, and uses general quality without a known label', () => {
    expect(baseline('translation')?.spec.id).toBe('gpt');
    expect(baseline(null)?.spec.id).toBe('opus'); // general quality (mean of the non-safety labels): opus 0.825 > gpt 0.808
    expect(baseline('not-a-label')?.spec.id).toBe('opus');
  });

  it('falls back to the top tier rank when the catalog has no premium model', () => {
    const noPremium = new ModelCatalog({
      auto_aliases: [],
      models: [model('cheap', 'economy', [0.1, 0.4], {}), model('o3', 'reasoning', [2, 8], {})],
    });
    expect(premiumBaseline(noPremium.entries())('code_gen')?.spec.id).toBe('o3');
  });
});

describe('routingSavings', () => {
  const row = (intent: string | null, _servedBy: string, costNano: number): RoutedUsage => ({
    intent,
    requests: 10,
    promptTokens: 1_000_000,
    completionTokens: 100_000,
    cachedTokens: 200_000,
    costNano,
  });

  it('prices each intent group at its premium model (cached tokens at the cached price) and sums', () => {
    const baseline = premiumBaseline(catalog.entries());
    const gptCost = costNanoUsd(
      { input: 2, output: 10, cached_input: 0.2 },
      { promptTokens: 1_000_000, cachedPromptTokens: 200_000, completionTokens: 100_000 },
    );
    expect(gptCost).toBe(2_640_000_000); // 0.8 M × 2 + 0.2 M × 0.2 + 0.1 M × 10 (µUSD)
    const savings = routingSavings(
      [
        row('code_gen', 'cheap', 100_000_000),
        row('code_gen', 'cheap', 100_000_000),
        row('deep_reason', 'o3', 5e9),
      ],
      baseline,
    );
    const code = savings.byIntent.find((line) => line.intent === 'code_gen')!;
    expect(code).toEqual({
      intent: 'code_gen',
      premiumModel: 'gpt',
      requests: 20,
      costNano: 200_000_000,
      premiumCostNano: 2 * gptCost,
    });
    const reason = savings.byIntent.find((line) => line.intent === 'deep_reason')!;
    expect(reason.premiumModel).toBe('opus');
    expect(savings.requests).toBe(30);
    expect(savings.costNano).toBe(200_000_000 + 5e9);
    expect(savings.premiumCostNano).toBe(2 * gptCost + reason.premiumCostNano);
    expect(savings.savedNano).toBe(savings.premiumCostNano - savings.costNano);
  });

  it('counts a group without a premium model at its own cost (no invented savings)', () => {
    const savings = routingSavings([row('code_gen', 'cheap', 7)], () => null);
    expect(savings.savedNano).toBe(0);
    expect(savings.byIntent[0].premiumModel).toBeNull();
  });
});
