import type { BudgetEnforcer, BudgetStatus } from '../../../billing/billing.types';
import type { Principal } from '../../../common/principal';
import type { ClassifyOptions, IntentClassifier, IntentResult, ModelRef } from '../../../intent/intent.types';
import { ModelCatalog } from '../../../routing/model-catalog';
import type { RoutingPolicy } from '../../../routing/routing-policy';
import { newChatCall, type ChatCallMode } from '../chat-call';
import type { UsageAccounting } from '../usage-accounting';
import { ClassifyStep } from './classify.step';

/**
 * Which models the classify step lets the intent classifier call on a request's behalf (its
 * fallback and safety review): what the step hands the classifier as `mayUseModel`.
 */
const catalog = ModelCatalog.load('config/models.yaml');
const principal: Principal = {
  tenantId: 't',
  tenantName: 't',
  keyId: null,
  source: 'static',
  rateLimitPerMinute: 0,
};
const openai: ModelRef = { provider: 'openai', model: 'gpt-4o-mini' };
const haiku: ModelRef = { provider: 'anthropic', model: 'claude-haiku-4-5' };

/** The predicate the step passes for one call. */
async function predicateFor(options: {
  mode?: ChatCallMode;
  budget?: BudgetStatus | null;
  excludeModels?: string[];
}): Promise<(target: ModelRef) => boolean> {
  let seen: ClassifyOptions | undefined;
  const classifier: IntentClassifier = {
    classify: async (_request, given) => {
      seen = given;
      return { label: 'chat_lite', confidence: 0.9, signals: null, method: 'model' } as IntentResult;
    },
  };
  const budgets = { status: () => options.budget ?? null } as unknown as BudgetEnforcer;
  const step = new ClassifyStep(classifier, {} as UsageAccounting, budgets, catalog);
  const call = newChatCall(
    options.mode ?? 'complete',
    { messages: [{ role: 'user', content: 'hi' }] },
    { requestId: 'r', principal, startedAt: 0n, signal: new AbortController().signal },
    { reportIntent: true, simulated: false },
  );
  if (options.excludeModels)
    call.tenantRouting = {
      exclude_models: options.excludeModels,
      allow_only: null,
    } as unknown as RoutingPolicy;
  await step.run(call);
  return seen!.mayUseModel!;
}

describe('ClassifyStep: the classifier may call a model', () => {
  it('when no tenant policy, budget or explanation stands in the way', async () => {
    const may = await predicateFor({});
    expect(may(openai)).toBe(true);
    expect(may(haiku)).toBe(true);
  });

  it("not when the tenant's policy excludes it, by catalog id or by alias", async () => {
    expect(catalog.resolve('claude-haiku')?.id).toBe('claude-haiku-4-5');
    for (const name of ['claude-haiku-4-5', 'claude-haiku', 'CLAUDE-HAIKU']) {
      const may = await predicateFor({ excludeModels: [name] });
      expect(may(haiku)).toBe(false);
      expect(may(openai)).toBe(true);
    }
  });

  it('not once the budget is spent, but while any of it is left', async () => {
    const status = (remainingRatio: number): BudgetStatus => ({
      remainingRatio,
      softLimitReached: true,
      softAction: 'alert',
    });
    expect((await predicateFor({ budget: status(0) }))(openai)).toBe(false);
    expect((await predicateFor({ budget: status(0.01) }))(openai)).toBe(true);
  });

  it('never to explain a decision (/v1/router/explain calls no provider)', async () => {
    expect((await predicateFor({ mode: 'explain' }))(openai)).toBe(false);
  });
});
