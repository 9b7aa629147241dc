import { budgetForecastNano } from './budget-forecast';

const DAY = 86_400_000;

describe('budgetForecastNano', () => {
  it('extrapolates the spend so far linearly to period end', () => {
    expect(budgetForecastNano(1_000, 0, 30 * DAY, 10 * DAY)).toBe(3_000);
    expect(budgetForecastNano(0, 0, 30 * DAY, 10 * DAY)).toBe(0);
  });

  it('has no forecast for a period without an end', () => {
    expect(budgetForecastNano(1_000, 0, null, 10 * DAY)).toBeNull();
  });

  it('extrapolates from at least a minute at period start, and never below what is spent', () => {
    expect(budgetForecastNano(10, 0, DAY, 1)).toBe(Math.round((10 / 60_000) * DAY));
    expect(budgetForecastNano(500, 0, DAY, 2 * DAY)).toBe(500); // past the end (clock skew): the spend
  });
});
