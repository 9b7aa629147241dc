import { stringify } from 'yaml';
import { costNanoUsd } from '../../common/pricing';
import { INTENT_LABELS, type IntentLabel } from '../../common/intent-labels';
import { ModelCatalog } from '../model-catalog';
import { decideRoute, type RoutingThresholds } from '../routing-decision';
import { RoutingPolicyService, type RoutingPolicy } from '../routing-policy';
import type { RoutingInput } from '../routing.types';
import { loggedDecision, loggedInputs, replayInputs, type TenantRoutingSource } from './decision-record';
import { ReplayRun, type ReplayConfiguration, type ReplayRow } from './replay';

const catalog = ModelCatalog.load('config/models.yaml');
const policies = RoutingPolicyService.load('config/routing.yaml', catalog);
const thresholds: RoutingThresholds = { lowConfidence: 0.4, minConfForDirect: 0.8 };
const available = { isProviderConfigured: () => true, isCircuitOpen: () => false };

function input(i: number, overrides: Partial<RoutingInput> = {}): RoutingInput {
  const label = INTENT_LABELS[i % 6] as IntentLabel;
  return {
    requestedModel: undefined,
    intent: { label, confidence: 0.3 + ((i * 37) % 70) / 100, signals: null, method: 'model' },
    estimatedPromptTokens: 50 + ((i * 131) % 3000),
    requestedMaxOutputTokens: i % 5 === 0 ? 256 : null,
    needsVision: label === 'vision',
    needsTools: i % 7 === 0,
    needsJsonMode: label === 'json_extract',
    needsStreaming: i % 2 === 0,
    budgetRemainingRatio: i % 4 === 0 ? ((i * 13) % 100) / 100 : null,
    ...overrides,
  };
}

/** A logged row: the live decision, answered by its target with made-up tokens at its price. */
function logged(routingInput: RoutingInput, i: number, tenant: TenantRoutingSource | null = null): ReplayRow {
  const policy: RoutingPolicy = tenant
    ? { ...policies.withOverride(tenant.override), allow_only: tenant.allow_only }
    : policies.policy;
  const decision = decideRoute(routingInput, catalog, policy, available, thresholds);
  const prompt = routingInput.estimatedPromptTokens;
  const completion = 20 + ((i * 97) % 900);
  const spec = decision.target ? catalog.resolve(decision.target.model)! : null;
  return {
    input_version: 1,
    inputs: JSON.parse(JSON.stringify(loggedInputs(routingInput, thresholds, decision, [], tenant))),
    target_model: decision.target?.model ?? null,
    budget_downgraded: decision.budgetDowngraded,
    cost_nano: spec
      ? String(costNanoUsd(spec.pricing, { promptTokens: prompt, completionTokens: completion }))
      : '0',
    prompt_tokens: spec ? prompt : 0,
    completion_tokens: spec ? completion : 0,
    cached_tokens: 0,
    cache_hit: false,
  };
}

function replay(rows: ReplayRow[], config: Partial<ReplayConfiguration> = {}) {
  const run = new ReplayRun({ catalog, policies, reference: catalog, ...config });
  for (const row of rows) run.add(row);
  return run.summary();
}

const rows = Array.from({ length: 600 }, (_, i) => logged(input(i), i));

describe('routing replay', () => {
  it('logs the exact inputs of the decision: they round-trip through JSON', () => {
    const original = input(3, { requestedModel: 'gpt-4o', budgetSoftLimitReached: true });
    const decision = decideRoute(original, catalog, policies.policy, available, thresholds);
    const back = replayInputs(
      JSON.parse(JSON.stringify(loggedInputs(original, thresholds, decision, [], null))),
    );
    expect(back.input).toEqual({ ...original, intent: { ...original.intent } });
    expect(back.thresholds).toEqual(thresholds);
    expect(loggedDecision(decision).c.length).toBe(decision.candidates.length);
  });

  it('keeps the provider state the decision saw (open circuits, unconfigured providers)', () => {
    const circuitOpen = {
      isProviderConfigured: () => true,
      isCircuitOpen: (t: { model: string }) => t.model === 'gpt-4.1-mini',
    };
    const original = input(0, { intent: { label: null, confidence: 0, signals: null, method: 'disabled' } });
    const decision = decideRoute(original, catalog, policies.policy, circuitOpen, thresholds);
    expect(decision.target?.model).not.toBe('gpt-4.1-mini');
    const inputs = loggedInputs(original, thresholds, decision, ['mistral'], null);
    expect(inputs.o).toEqual(['openai/gpt-4.1-mini']);
    const back = replayInputs(inputs);
    expect(back.availability.isProviderConfigured('mistral')).toBe(false);
    const again = decideRoute(back.input, catalog, policies.policy, back.availability, back.thresholds);
    expect(again.target).toEqual(
      decideRoute(
        original,
        catalog,
        policies.policy,
        { ...circuitOpen, isProviderConfigured: (p: string) => p !== 'mistral' },
        thresholds,
      ).target,
    );
  });

  it('under the same configuration moves nothing and reproduces the actual cost exactly', () => {
    const report = replay(rows);
    expect(report.replayed).toBe(600);
    expect(report.overall.moved).toBe(0);
    expect(report.overall.actual_cost_usd).toBeGreaterThan(0);
    expect(report.overall.estimated_cost_usd).toBe(report.overall.actual_cost_usd);
    expect(report.overall.cost_delta_usd).toBe(0);
    expect(report.overall.budget_downgrades.candidate).toBe(report.overall.budget_downgrades.actual);
    expect(Object.keys(report.by_intent).sort()).toEqual([...INTENT_LABELS.slice(0, 6)].sort());
  });

  it('is deterministic: the same rows give the same report', () => {
    const candidate = RoutingPolicyService.fromYaml(
      stringify({ ...policies.policy, weights: { cost: 0, quality: 1 } }),
      catalog,
    );
    expect(replay(rows, { policies: candidate })).toEqual(replay(rows, { policies: candidate }));
  });

  it('a quality-only policy moves requests to dearer models and says where and at what cost', () => {
    const candidate = RoutingPolicyService.fromYaml(
      stringify({ ...policies.policy, weights: { cost: 0, quality: 1 } }),
      catalog,
    );
    const report = replay(rows, { policies: candidate });
    expect(report.overall.moved).toBeGreaterThan(0);
    expect(report.overall.moves[0].requests).toBeGreaterThan(0);
    expect(report.overall.moves[0].from).not.toBe(report.overall.moves[0].to);
    expect(report.overall.estimated_cost_usd).toBeGreaterThan(report.overall.actual_cost_usd);
    expect(report.overall.cost_delta_share).toBeGreaterThan(0);
  });

  it('counts requests a candidate sends below the label quality floor', () => {
    // Exclude every model good enough for code: code_gen requests land below the floor.
    const floor = policies.policy.intents.code_gen.min_quality;
    const good = catalog
      .list()
      .filter((spec) => spec.quality.code_gen >= floor)
      .map((spec) => spec.id);
    const fallbackDefault = catalog.list().find((spec) => !good.includes(spec.id))!.id;
    const candidate = RoutingPolicyService.fromYaml(
      stringify({
        ...policies.policy,
        exclude_models: good,
        default: { ...policies.policy.default, model: fallbackDefault },
      }),
      catalog,
    );
    const report = replay(rows, { policies: candidate });
    const code = report.by_intent.code_gen;
    // Counted for trusted labels only (low-confidence requests take the default route); a few
    // were below it already (budget downgrades relax the bar).
    expect(code.below_quality_floor.actual).toBeLessThan(code.requests / 10);
    expect(code.below_quality_floor.candidate).toBeGreaterThan(code.requests / 2);
    expect(code.moved).toBeGreaterThan(code.requests / 2);
  });

  it('counts the budget downgrades a candidate threshold would make', () => {
    const candidate = RoutingPolicyService.fromYaml(
      stringify({ ...policies.policy, budget: { ...policies.policy.budget, downgrade_below: 0.9 } }),
      catalog,
    );
    const report = replay(rows, { policies: candidate });
    expect(report.overall.budget_downgrades.candidate).toBeGreaterThan(
      report.overall.budget_downgrades.actual,
    );
  });

  it('applies candidate thresholds: everything below 1.0 confidence takes the default route', () => {
    const report = replay(rows, { thresholds: { lowConfidence: 1, minConfForDirect: 1 } });
    expect(report.overall.moved).toBeGreaterThan(0);
    expect(report.overall.below_quality_floor.candidate).toBe(0); // no trusted label left
  });

  it("merges a tenant's logged override over the candidate policy", () => {
    const tenant: TenantRoutingSource = { override: { exclude_models: ['gpt-4o-mini'] }, allow_only: null };
    const tenantRows = Array.from({ length: 100 }, (_, i) => logged(input(i), i, tenant));
    expect(tenantRows.every((row) => row.target_model !== 'gpt-4o-mini')).toBe(true);
    const report = replay(tenantRows);
    expect(report.overall.moved).toBe(0);
    expect(report.overall.estimated_cost_usd).toBe(report.overall.actual_cost_usd);
    // The tenant excludes a model the candidate catalog does not know: the rows are skipped, counted.
    const broken = {
      ...tenantRows[0],
      inputs: { ...tenantRows[0].inputs, r: { override: { default: { model: 'nope' } }, allow_only: null } },
    };
    expect(replay([broken]).skipped.tenant_policy).toBe(1);
  });
});
