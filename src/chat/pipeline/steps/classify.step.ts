import { Inject, Injectable } from '@nestjs/common';
import { BUDGET_ENFORCER, type BudgetEnforcer } from '../../../billing/billing.types';
import { promptTokenCounts } from '../../../common/token-estimator';
import { INTENT_CLASSIFIER, type IntentClassifier, type ModelRef } from '../../../intent/intent.types';
import { ModelCatalog } from '../../../routing/model-catalog';
import { isExcluded } from '../../../routing/routing-decision';
import type { ChatCall, ChatStep } from '../chat-call';
import { UsageAccounting } from '../usage-accounting';

/**
 * Intent classification and prompt-token counts. Writes: intent; estimatedPromptTokens (the best
 * guess, for routing) and promptTokens (the true upper bound, for reservations). The classifier's
 * own model calls (fallback, safety review) are made on the request's behalf: only to a model the
 * tenant's routing policy allows (policy step), not once its budget is spent (the request would be
 * refused at the reservation, after a call it pays for), and never for an explanation.
 */
@Injectable()
export class ClassifyStep implements ChatStep {
  readonly name = 'classify';

  constructor(
    @Inject(INTENT_CLASSIFIER) private readonly classifier: IntentClassifier,
    private readonly accounting: UsageAccounting,
    @Inject(BUDGET_ENFORCER) private readonly budgets: BudgetEnforcer,
    private readonly catalog: ModelCatalog,
  ) {}

  appliesTo(): boolean {
    return true;
  }

  async run(call: ChatCall): Promise<void> {
    call.intent = await this.classifier.classify(call.request, {
      onModelCall: (model) => this.accounting.classifierCall(call, model),
      mayUseModel: (target) => this.mayUseModel(call, target),
    });
    const tokens = promptTokenCounts(call.request);
    call.estimatedPromptTokens = tokens.estimate;
    call.promptTokens = tokens.upperBound;
  }

  private mayUseModel(call: ChatCall, target: ModelRef): boolean {
    // /v1/router/explain answers "without calling a provider": the local classification stands.
    if (call.mode === 'explain') return false;
    const budget = this.budgets.status(call.context.principal);
    if (budget !== null && budget.remainingRatio <= 0) return false;
    if (call.tenantRouting === null) return true;
    // The routing decision's own exclusion rule (ids and aliases, tenant allow-lists).
    const entry = this.catalog.resolveRequest(target.model)?.entry;
    return entry !== undefined && !isExcluded(entry, call.tenantRouting, this.catalog);
  }
}
