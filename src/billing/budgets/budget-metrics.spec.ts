import { tightestBudgets } from './budget-metrics';

describe('tightestBudgets (what the budget gauge exports)', () => {
  const view = (tenantId: string, remainingRatio: number) => ({
    tenantId,
    tenantName: tenantId,
    remainingRatio,
  });

  it('keeps every budget under the limit, and only the ones with the least left above it', () => {
    const views = [view('a', 0.9), view('b', 0.05), view('c', 0.5), view('d', 0)];
    expect(tightestBudgets(views, 10)).toEqual(views);
    expect(tightestBudgets(views, 2).map((budget) => budget.tenantId)).toEqual(['d', 'b']);
    expect(tightestBudgets(views, 0)).toEqual([]);
  });
});
