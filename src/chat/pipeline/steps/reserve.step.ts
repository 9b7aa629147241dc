import { Inject, Injectable } from '@nestjs/common';
import { BUDGET_ENFORCER, type BudgetEnforcer } from '../../../billing/billing.types';
import { costNanoUsd } from '../../../common/pricing';
import { requestedMaxOutputTokens } from '../../../common/token-estimator';
import { routed, type ChatCall, type ChatStep } from '../chat-call';

/**
 * Reserves the worst-case cost of the chain against the tenant's budgets: the prompt's upper
 * bound plus the most output the request allows, at the priciest target. Writes: reservation.
 */
@Injectable()
export class ReserveStep implements ChatStep {
  readonly name = 'reserve';

  constructor(@Inject(BUDGET_ENFORCER) private readonly budgets: BudgetEnforcer) {}

  appliesTo(call: ChatCall): boolean {
    // Not after a cache hit: nothing is spent upstream, so there is nothing to reserve.
    return call.mode !== 'explain' && call.outcome === null;
  }

  async run(call: ChatCall): Promise<void> {
    const { plan } = routed(call);
    const requested = requestedMaxOutputTokens(call.request);
    const choices = Math.max(1, call.request.n ?? 1);
    let maxCost = 0;
    for (const target of plan.chain) {
      const maxOutput = Math.min(requested ?? target.maxOutputTokens, target.maxOutputTokens);
      const cost = costNanoUsd(target.spec.pricing, {
        promptTokens: call.promptTokens,
        completionTokens: maxOutput * choices,
      });
      if (cost > maxCost) maxCost = cost;
    }
    call.reservation = await this.budgets.reserve(call.context.principal, maxCost, call.context.requestId);
  }
}
