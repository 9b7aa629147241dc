import type { BudgetPeriod } from '../../config/app-config';
import type { BudgetStatus } from '../billing.types';

export type BudgetScope = 'tenant' | 'key';

/** A budget as the enforcer keeps it in memory. */
export interface BudgetDefinition {
  id: string;
  tenantId: string;
  /** null: the tenant's budget. */
  apiKeyId: string | null;
  /** For messages: the tenant's name, or the key's name. */
  label: string;
  period: BudgetPeriod;
  limitNano: number;
  softLimitRatio: number;
  softAction: 'downgrade' | 'alert';
}

/** The last known counter of a budget (from a reservation's RETURNING or the periodic refresh). */
export interface CounterSnapshot {
  periodStart: number;
  spentNano: number;
  reservedNano: number;
}

export function scopeOf(budget: BudgetDefinition): BudgetScope {
  return budget.apiKeyId === null ? 'tenant' : 'key';
}

/** What is used of the budget in the current period (a counter of an older period counts 0). */
export function usedNano(counter: CounterSnapshot | undefined, currentPeriodStart: number): number {
  if (!counter || counter.periodStart !== currentPeriodStart) return 0;
  return counter.spentNano + counter.reservedNano;
}

export interface BudgetView {
  budget: BudgetDefinition;
  used: number;
}

/**
 * The status of the tightest budget (smallest remaining fraction). `softLimitReached` is true
 * when any budget has used its soft_limit_ratio; the action is the tightest such budget's.
 */
export function budgetStatusOf(views: readonly BudgetView[]): BudgetStatus | null {
  if (views.length === 0) return null;
  let remainingRatio = 2;
  let action: 'downgrade' | 'alert' = 'downgrade';
  let softRatio = 2;
  let softAction: 'downgrade' | 'alert' | null = null;
  for (const { budget, used } of views) {
    const ratio = budget.limitNano <= 0 ? 0 : Math.max(0, Math.min(1, 1 - used / budget.limitNano));
    if (ratio < remainingRatio) {
      remainingRatio = ratio;
      action = budget.softAction;
    }
    const soft = budget.limitNano <= 0 || used >= budget.limitNano * budget.softLimitRatio;
    if (soft && ratio < softRatio) {
      softRatio = ratio;
      softAction = budget.softAction;
    }
  }
  return { remainingRatio, softLimitReached: softAction !== null, softAction: softAction ?? action };
}

/** "$12.5", "$0.000123": up to 9 decimals, no trailing zeros, never exponent notation. */
export function formatUsd(nano: number): string {
  const sign = nano < 0 ? '-' : '';
  const abs = Math.abs(Math.round(nano));
  const whole = Math.floor(abs / 1e9);
  const fraction = String(abs % 1e9)
    .padStart(9, '0')
    .replace(/0+$/, '');
  return `${sign}$${whole}${fraction ? `.${fraction.length < 2 ? fraction.padEnd(2, '0') : fraction}` : '.00'}`;
}

/** The 429 message: which budget, its limit, what was spent (and reserved), what was asked. */
export function budgetExceededMessage(
  budget: BudgetDefinition,
  spentNano: number,
  reservedNano: number,
  requestedNano: number,
): string {
  const which = budget.apiKeyId === null ? `tenant "${budget.label}"` : `API key "${budget.label}"`;
  const inFlight = reservedNano > 0 ? ` (+${formatUsd(reservedNano)} reserved by requests in flight)` : '';
  return (
    `Budget exceeded: the ${budget.period} budget of ${which} is ${formatUsd(budget.limitNano)}, ` +
    `${formatUsd(spentNano)} spent${inFlight}; this request may cost up to ${formatUsd(requestedNano)}.`
  );
}
