import { Inject, Injectable } from '@nestjs/common';
import { BUDGET_ENFORCER, type BudgetEnforcer } from '../../../billing/billing.types';
import { costNanoUsd } from '../../../common/pricing';
import { requestedMaxOutputTokens } from '../../../common/token-estimator';
import { routed, type ChatCall, type ChatStep } from '../chat-call';

/**
 * Reserves the worst-case cost of the chain against the tenant's budgets: the prompt's upper
 * bound plus the most output the request allows, at the priciest target (estimated prices at
 * their upper bound). Writes: reservation.
 */
@Injectable()
export class ReserveStep implements ChatStep {
  readonly name = 'reserve';

  constructor(@Inject(BUDGET_ENFORCER) private readonly budgets: BudgetEnforcer) {}

  appliesTo(call: ChatCall): boolean {
    // Not for explain, and not once the call is answered (a cache hit costs nothing).
    return call.mode !== 'explain' && call.outcome === null;
  }

  async run(call: ChatCall): Promise<void> {
    const { plan } = routed(call);
    const requested = requestedMaxOutputTokens(call.request);
    const choices = Math.max(1, call.request.n ?? 1);
    let maxCost = 0;
    for (const target of plan.chain) {
      const maxOutput = Math.min(requested ?? target.maxOutputTokens, target.maxOutputTokens);
      // An estimated price is reserved at its upper bound (compatibility.unknown_models.reserve_multiplier).
      const cost = costNanoUsd(target.reservePricing, {
        promptTokens: call.promptTokens,
        completionTokens: maxOutput * choices,
      });
      if (cost > maxCost) maxCost = cost;
    }
    call.reservation = await this.budgets.reserve(call.context.principal, maxCost, call.context.requestId);
  }
}
