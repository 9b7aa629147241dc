import { Inject, Injectable } from '@nestjs/common';
import { BUDGET_ENFORCER, type BudgetEnforcer } from '../../../billing/billing.types';
import { rightSizedCostNano, worstCaseCostNano } from '../../../billing/budgets/output-estimate';
import { OutputEstimatorService } from '../../../billing/budgets/output-estimator.service';
import { requestedMaxOutputTokens } from '../../../common/token-estimator';
import type { PlannedTarget } from '../../../routing/routing.types';
import { routed, type ChatCall, type ChatStep } from '../chat-call';

/**
 * Reserves the request's cost against the tenant's budgets: the prompt's upper bound plus its
 * output at the priciest target (estimated prices at their upper bound). The output is the
 * client's max_tokens; without one, the (tenant, model) p99 estimate (OutputEstimatorService),
 * grown to the model's ceiling when the budget has ample room, else bounded by an
 * OutputAllowance (streams extend or are cut off; other requests are capped upstream).
 * Writes: reservation, outputAllowance.
 */
@Injectable()
export class ReserveStep implements ChatStep {
  readonly name = 'reserve';

  constructor(
    @Inject(BUDGET_ENFORCER) private readonly budgets: BudgetEnforcer,
    private readonly outputs: OutputEstimatorService,
  ) {}

  appliesTo(call: ChatCall): boolean {
    // Not for explain, and not once the call is answered (a cache hit costs nothing).
    return call.mode !== 'explain' && call.outcome === null;
  }

  async run(call: ChatCall): Promise<void> {
    const { chain } = routed(call).plan;
    const { principal, requestId } = call.context;
    const choices = Math.max(1, call.request.n ?? 1);
    const requested = requestedMaxOutputTokens(call.request);
    if (requested !== null || this.budgets.status(principal) === null) {
      // Bounded by the client, or no budget applies: the true worst case.
      const cost = worstCaseCostNano(chain, call.promptTokens, requested, choices);
      call.reservation = await this.budgets.reserve(principal, cost, requestId);
      return;
    }
    const primary = chain[0];
    const perChoice = this.outputs.outputTokens(principal.tenantId, primary.model, primary.maxOutputTokens);
    const cost = rightSizedCostNano(chain, call.promptTokens, perChoice, choices);
    const reservation = await this.budgets.reserve(principal, cost, requestId);
    call.reservation = reservation;
    if (!reservation) return;
    // Ample room (a lease block covers the rest): the model's whole ceiling, as with max_tokens.
    const full = worstCaseCostNano(chain, call.promptTokens, null, choices);
    if (full <= cost || (await this.budgets.extend(reservation, full - cost, { leaseOnly: true }))) return;
    call.outputAllowance = {
      perChoice,
      // Hidden reasoning tokens are billed but never streamed: only the provider can bound them.
      capUpstream: call.mode !== 'stream' || chain.some(hiddenReasoning),
      cutOff: false,
    };
  }
}

function hiddenReasoning(target: PlannedTarget): boolean {
  return target.spec.tier === 'reasoning' || (target.spec.expected_output_factor ?? 1) > 1;
}
