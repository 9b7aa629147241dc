import { periodEnd, periodStart, TOTAL_PERIOD_START } from './budget-period';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

describe('budget periods (UTC)', () => {
  it('starts a day at 00:00 UTC', () => {
    expect(iso(periodStart('daily', at('2025-03-09T23:59:59.999Z')))).toBe('2025-03-09T00:00:00.000Z');
    expect(iso(periodEnd('daily', at('2025-03-09T00:00:00Z')))).toBe('2025-03-10T00:00:00.000Z');
  });

  it('starts a week on Monday', () => {
    expect(iso(periodStart('weekly', at('2025-03-09T12:00:00Z')))).toBe('2025-03-03T00:00:00.000Z'); // a Sunday
    expect(iso(periodStart('weekly', at('2025-03-10T00:00:00Z')))).toBe('2025-03-10T00:00:00.000Z'); // a Monday
    expect(iso(periodEnd('weekly', at('2025-03-03T00:00:00Z')))).toBe('2025-03-10T00:00:00.000Z');
  });

  it('starts a month on its first day, whatever its length', () => {
    expect(iso(periodStart('monthly', at('2024-02-29T18:00:00Z')))).toBe('2024-02-01T00:00:00.000Z');
    expect(iso(periodEnd('monthly', at('2024-02-01T00:00:00Z')))).toBe('2024-03-01T00:00:00.000Z');
    expect(iso(periodEnd('monthly', at('2024-12-01T00:00:00Z')))).toBe('2025-01-01T00:00:00.000Z');
  });

  it('has one never-ending period for total', () => {
    expect(periodStart('total', at('2031-01-01T00:00:00Z'))).toBe(TOTAL_PERIOD_START);
    expect(periodEnd('total', TOTAL_PERIOD_START)).toBeNull();
  });
});
