import { isIntentLabel, type IntentLabel } from '../common/intent-labels';
import { costNanoUsd } from '../common/pricing';
import { TOP_TIER_RANK, type CatalogEntry } from './model-catalog';

/**
 * "Always premium", the baseline of the auto-routing savings (dashboard, GET /admin/usage/routing):
 * what an operator without a router would do, send every request to the premium model best at
 * its intent. For each intent label: the catalog model of tier `premium` (else of the top tier
 * rank) with the highest quality for that label (for requests without a label: the highest
 * general quality), the cheaper on a tie, then by id. Pure: current catalog prices, no I/O.
 */
export function premiumBaseline(
  entries: readonly CatalogEntry[],
): (intent: string | null) => CatalogEntry | null {
  const catalog = entries.filter((e) => !e.dynamic);
  const premium = catalog.filter((e) => e.spec.tier === 'premium');
  const pool = premium.length > 0 ? premium : catalog.filter((e) => e.tierRank === TOP_TIER_RANK);
  const price = (e: CatalogEntry) => e.spec.pricing.input + e.spec.pricing.output;
  const best = (quality: (e: CatalogEntry) => number) =>
    [...pool].sort(
      (a, b) => quality(b) - quality(a) || price(a) - price(b) || a.spec.id.localeCompare(b.spec.id),
    )[0] ?? null;
  const byLabel = new Map<string, CatalogEntry | null>();
  const general = best((e) => e.generalQuality);
  return (intent) => {
    if (intent === null || !isIntentLabel(intent)) return general;
    if (!byLabel.has(intent))
      byLabel.set(
        intent,
        best((e) => e.spec.quality[intent as IntentLabel]),
      );
    return byLabel.get(intent) ?? null;
  };
}

/** One group of auto-routed requests (usage_routing_daily summed over days and tenants). */
export interface RoutedUsage {
  intent: string | null;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  costNano: number;
}

export interface SavingsLine {
  intent: string | null;
  /** The premium model of the intent (null: the catalog has none). */
  premiumModel: string | null;
  requests: number;
  costNano: number;
  /** The same tokens at the premium model's prices. */
  premiumCostNano: number;
}

export interface RoutingSavings {
  requests: number;
  costNano: number;
  premiumCostNano: number;
  /** premiumCostNano − costNano (negative when routing cost more than the baseline). */
  savedNano: number;
  byIntent: SavingsLine[];
}

/**
 * The auto-routing savings of `rows` against always-premium: each group's tokens priced at the
 * premium model of its intent (its cached prompt tokens at the cached price), summed per intent.
 * Prices are linear in tokens, so summing tokens first is exact.
 */
export function routingSavings(
  rows: readonly RoutedUsage[],
  baseline: (intent: string | null) => CatalogEntry | null,
): RoutingSavings {
  const lines = new Map<string, SavingsLine>();
  for (const row of rows) {
    const premium = baseline(row.intent);
    const key = row.intent ?? '';
    const line = lines.get(key) ?? {
      intent: row.intent,
      premiumModel: premium?.spec.id ?? null,
      requests: 0,
      costNano: 0,
      premiumCostNano: 0,
    };
    line.requests += row.requests;
    line.costNano += row.costNano;
    line.premiumCostNano += premium
      ? costNanoUsd(premium.spec.pricing, {
          promptTokens: row.promptTokens,
          cachedPromptTokens: row.cachedTokens,
          completionTokens: row.completionTokens,
        })
      : row.costNano;
    lines.set(key, line);
  }
  const byIntent = [...lines.values()].sort((a, b) => b.requests - a.requests);
  const sum = (f: (l: SavingsLine) => number) => byIntent.reduce((total, l) => total + f(l), 0);
  const costNano = sum((l) => l.costNano);
  const premiumCostNano = sum((l) => l.premiumCostNano);
  return {
    requests: sum((l) => l.requests),
    costNano,
    premiumCostNano,
    savedNano: premiumCostNano - costNano,
    byIntent,
  };
}
