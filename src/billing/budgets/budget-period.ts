import type { BudgetPeriod } from '../../config/app-config';

/**
 * Budget periods in UTC: a day from 00:00, an ISO week from Monday 00:00, a calendar month from
 * its first day, and `total` as one period that never ends (starting at the epoch). Every
 * replica computes the same period from its clock, so all of them count into the same row.
 */
const DAY_MS = 86_400_000;
export const TOTAL_PERIOD_START = 0;

export function periodStart(period: BudgetPeriod, nowMs: number): number {
  const now = new Date(nowMs);
  switch (period) {
    case 'daily':
      return Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
    case 'weekly': {
      const day = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
      const sinceMonday = (now.getUTCDay() + 6) % 7;
      return day - sinceMonday * DAY_MS;
    }
    case 'monthly':
      return Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
    case 'total':
      return TOTAL_PERIOD_START;
  }
}

/** The exclusive end of the period that starts at `start`; null for `total`. */
export function periodEnd(period: BudgetPeriod, start: number): number | null {
  const date = new Date(start);
  switch (period) {
    case 'daily':
      return start + DAY_MS;
    case 'weekly':
      return start + 7 * DAY_MS;
    case 'monthly':
      return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
    case 'total':
      return null;
  }
}
