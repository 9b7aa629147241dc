import { Inject, Injectable } from '@nestjs/common';
import { BUDGET_ENFORCER, type BudgetEnforcer, type BudgetStatus } from '../../../billing/billing.types';
import { PROVIDER_EXECUTOR, type ProviderExecutor } from '../../../providers/provider.types';
import { routingError } from '../../../routing/routing-errors';
import { buildRoutingInput } from '../../../routing/routing-input';
import { RoutingService } from '../../../routing/routing.service';
import type { RoutingInput } from '../../../routing/routing.types';
import { intentHeaders } from '../../router-metadata';
import type { ChatCall, ChatStep } from '../chat-call';

/**
 * What the router is given for the call (pure: the decision log rebuilds it from the same fields).
 * Only budgets whose soft-limit action is `downgrade` steer routing.
 */
export function routingInputOf(call: ChatCall, budget: BudgetStatus | null): RoutingInput {
  const downgrades = budget !== null && budget.softAction === 'downgrade';
  return buildRoutingInput(
    call.request,
    call.intent!,
    call.estimatedPromptTokens,
    downgrades ? budget.remainingRatio : null,
    downgrades && budget.softLimitReached,
  );
}

/**
 * The routing decision, steered by the budget (only budgets whose soft-limit action is
 * `downgrade`; `alert` ones only warn). Writes: budget, plan (targets with their catalog entry),
 * headers (intent, budget warning), modelBeforeDowngrade (a downgraded call). A refusal or an unroutable request is thrown here, before any
 * provider call; `explain` previews the decision (not counted in the metric) and never throws.
 */
@Injectable()
export class RouteStep implements ChatStep {
  readonly name = 'route';

  constructor(
    private readonly routing: RoutingService,
    @Inject(PROVIDER_EXECUTOR) private readonly availability: ProviderExecutor,
    @Inject(BUDGET_ENFORCER) private readonly budgets: BudgetEnforcer,
  ) {}

  appliesTo(): boolean {
    return true;
  }

  run(call: ChatCall): void {
    const budget = this.budgets.status(call.context.principal);
    const input = routingInputOf(call, budget);
    const record = call.mode !== 'explain';
    call.budget = budget;
    call.plan = this.routing.plan(input, this.availability, call.tenantRouting ?? undefined, record);
    call.headers = { ...intentHeaders(call.intent) };
    if (budget?.softLimitReached) {
      call.headers['x-modelmuxer-budget-warning'] =
        `soft budget limit reached: ${Math.round((1 - budget.remainingRatio) * 100)}% spent`;
    }
    if (!record) return;
    if (call.plan.decision.budgetDowngraded) call.modelBeforeDowngrade = this.undowngraded(call);
    const refusalOrFailure = routingError(call.plan.decision);
    if (refusalOrFailure) throw refusalOrFailure;
  }

  /** For the audit trail: the model the same request gets without the budget (a preview, not counted). */
  private undowngraded(call: ChatCall): string | null {
    const input = buildRoutingInput(call.request, call.intent!, call.estimatedPromptTokens, null, false);
    const plan = this.routing.plan(input, this.availability, call.tenantRouting ?? undefined, false);
    return plan.decision.target?.model ?? null;
  }
}
