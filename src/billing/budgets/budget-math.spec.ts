import {
  budgetExceededMessage,
  budgetStatusOf,
  formatUsd,
  usedNano,
  type BudgetDefinition,
} from './budget-math';

const budget = (overrides: Partial<BudgetDefinition> = {}): BudgetDefinition => ({
  id: 'b',
  tenantId: 't',
  apiKeyId: null,
  label: 'acme',
  period: 'monthly',
  limitNano: 10_000_000_000,
  softLimitRatio: 0.8,
  softAction: 'downgrade',
  ...overrides,
});

describe('budget math', () => {
  it('counts spent and reserved of the current period only', () => {
    expect(usedNano({ periodStart: 5, spentNano: 3, reservedNano: 2 }, 5)).toBe(5);
    expect(usedNano({ periodStart: 4, spentNano: 3, reservedNano: 2 }, 5)).toBe(0);
    expect(usedNano(undefined, 5)).toBe(0);
  });

  it('reports the tightest budget and whether a soft limit was reached', () => {
    expect(budgetStatusOf([])).toBeNull();
    expect(budgetStatusOf([{ budget: budget(), used: 2_000_000_000 }])).toEqual({
      remainingRatio: 0.8,
      softLimitReached: false,
      softAction: 'downgrade',
    });
    const status = budgetStatusOf([
      { budget: budget(), used: 5_000_000_000 },
      { budget: budget({ apiKeyId: 'k', limitNano: 1_000_000_000, softAction: 'alert' }), used: 900_000_000 },
    ]);
    expect(status?.remainingRatio).toBeCloseTo(0.1, 10);
    expect(status).toMatchObject({ softLimitReached: true, softAction: 'alert' });
    expect(budgetStatusOf([{ budget: budget(), used: 20_000_000_000 }])).toMatchObject({ remainingRatio: 0 });
    expect(budgetStatusOf([{ budget: budget({ limitNano: 0 }), used: 0 }])).toMatchObject({
      remainingRatio: 0,
      softLimitReached: true,
    });
  });

  it('formats nano-USD exactly', () => {
    expect(formatUsd(12_500_000_000)).toBe('$12.50');
    expect(formatUsd(10_000_000)).toBe('$0.01');
    expect(formatUsd(123)).toBe('$0.000000123');
    expect(formatUsd(0)).toBe('$0.00');
    expect(formatUsd(3_000_000_000)).toBe('$3.00');
  });

  it('names the budget, its limit, the spend and the request in the refusal', () => {
    expect(budgetExceededMessage(budget(), 9_000_000_000, 500_000_000, 700_000_000)).toBe(
      'Budget exceeded: the monthly budget of tenant "acme" is $10.00, $9.00 spent ' +
        '(+$0.50 reserved by requests in flight); this request may cost up to $0.70.',
    );
    expect(budgetExceededMessage(budget({ apiKeyId: 'k', label: 'ci', period: 'daily' }), 1, 0, 2)).toMatch(
      /^Budget exceeded: the daily budget of API key "ci" is \$10\.00, \$0\.000000001 spent; /,
    );
  });
});
