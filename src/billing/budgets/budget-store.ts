import type { DataSource } from 'typeorm';
import type { BudgetPeriod } from '../../config/app-config';
import { DEFAULT_TENANT_ID } from '../../auth/auth.types';
import type { BudgetDefinition, CounterSnapshot } from './budget-math';
import { periodStart } from './budget-period';

export interface LoadedBudget {
  budget: BudgetDefinition;
  counter: CounterSnapshot;
}

export interface CounterDelta {
  budgetId: string;
  periodStart: number;
  /** Reservation given back. */
  releasedNano: number;
  /** Actual cost added. */
  spentNano: number;
}

interface BudgetRow {
  id: string;
  tenant_id: string;
  api_key_id: string | null;
  label: string;
  period: BudgetPeriod;
  limit_nano: number | string;
  soft_limit_ratio: number | string;
  soft_action: 'downgrade' | 'alert';
  spent_nano: number | string | null;
  reserved_nano: number | string | null;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The budget SQL. Every statement here is a single statement (atomic on its own, no
 * transaction round trips) and runs unchanged on Postgres and PGlite.
 */
export class BudgetStore {
  constructor(private readonly dataSource: DataSource) {}

  /** Budgets with the counter of their current period; all of them, or one tenant's. */
  async load(nowMs: number, tenantId?: string): Promise<LoadedBudget[]> {
    const starts = (['daily', 'weekly', 'monthly', 'total'] as const).map((p) => iso(periodStart(p, nowMs)));
    const rows: BudgetRow[] = await this.dataSource.query(
      `SELECT b.id, b.tenant_id, b.api_key_id, COALESCE(k.name, t.name) AS label, b.period, b.limit_nano,
              b.soft_limit_ratio, b.soft_action, c.spent_nano, c.reserved_nano
         FROM budgets b
         JOIN tenants t ON t.id = b.tenant_id
         LEFT JOIN api_keys k ON k.id = b.api_key_id
         LEFT JOIN budget_counters c ON c.budget_id = b.id AND c.period_start =
              CASE b.period WHEN 'daily' THEN $1::timestamptz WHEN 'weekly' THEN $2::timestamptz
                            WHEN 'monthly' THEN $3::timestamptz ELSE $4::timestamptz END
        WHERE ($5::uuid IS NULL OR b.tenant_id = $5::uuid)`,
      [...starts, tenantId ?? null],
    );
    return rows.map((row) => ({
      budget: {
        id: row.id,
        tenantId: row.tenant_id,
        apiKeyId: row.api_key_id,
        label: row.label,
        period: row.period,
        limitNano: Number(row.limit_nano),
        softLimitRatio: Number(row.soft_limit_ratio),
        softAction: row.soft_action,
      },
      counter: {
        periodStart: periodStart(row.period, nowMs),
        spentNano: Number(row.spent_nano ?? 0),
        reservedNano: Number(row.reserved_nano ?? 0),
      },
    }));
  }

  /**
   * The reservation: one conditional upsert on the budget's counter row for the period. The row
   * lock serialises concurrent reservations (on every replica, the database is shared) and the
   * condition is re-checked against the latest row version, so spent + reserved never exceeds
   * the limit. The limit is read from `budgets` in the same statement (never a stale copy).
   * Returns the counter after the reservation, or null when it does not fit (or the budget is gone).
   */
  async reserve(budgetId: string, start: number, amountNano: number): Promise<CounterSnapshot | null> {
    const rows: Array<{ spent_nano: number | string; reserved_nano: number | string }> =
      await this.dataSource.query(
        `INSERT INTO budget_counters AS c (budget_id, period_start, reserved_nano)
       SELECT b.id, $2::timestamptz, $3::int8 FROM budgets b WHERE b.id = $1::uuid AND $3::int8 <= b.limit_nano
       ON CONFLICT (budget_id, period_start) DO UPDATE
          SET reserved_nano = c.reserved_nano + EXCLUDED.reserved_nano
        WHERE c.spent_nano + c.reserved_nano + EXCLUDED.reserved_nano
              <= (SELECT b2.limit_nano FROM budgets b2 WHERE b2.id = c.budget_id)
       RETURNING c.spent_nano, c.reserved_nano`,
        [budgetId, iso(start), amountNano],
      );
    const row = rows[0];
    if (!row) return null;
    return { periodStart: start, spentNano: Number(row.spent_nano), reservedNano: Number(row.reserved_nano) };
  }

  /** The counter and limit now (for the refusal message); null when the budget no longer exists. */
  async counter(budgetId: string, start: number): Promise<(CounterSnapshot & { limitNano: number }) | null> {
    const rows: Array<{
      limit_nano: number | string;
      spent_nano: number | string | null;
      reserved_nano: number | string | null;
    }> = await this.dataSource.query(
      `SELECT b.limit_nano, c.spent_nano, c.reserved_nano
           FROM budgets b LEFT JOIN budget_counters c ON c.budget_id = b.id AND c.period_start = $2::timestamptz
          WHERE b.id = $1::uuid`,
      [budgetId, iso(start)],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      periodStart: start,
      limitNano: Number(row.limit_nano),
      spentNano: Number(row.spent_nano ?? 0),
      reservedNano: Number(row.reserved_nano ?? 0),
    };
  }

  /**
   * Settlements and releases, many in one statement. Rows are locked in key order first so that
   * two replicas flushing overlapping batches cannot deadlock.
   */
  async applyDeltas(deltas: readonly CounterDelta[]): Promise<void> {
    if (deltas.length === 0) return;
    await this.dataSource.query(
      `WITH v AS (
         SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::int8[], $4::int8[])
                AS v(budget_id, period_start, released, spent)
       ), locked AS (
         SELECT c.budget_id, c.period_start FROM budget_counters c
           JOIN v ON v.budget_id = c.budget_id AND v.period_start = c.period_start
          ORDER BY c.budget_id, c.period_start
            FOR UPDATE OF c
       )
       UPDATE budget_counters c
          SET reserved_nano = GREATEST(0, c.reserved_nano - v.released),
              spent_nano = c.spent_nano + v.spent
         FROM v, locked
        WHERE c.budget_id = v.budget_id AND c.period_start = v.period_start
          AND locked.budget_id = c.budget_id AND locked.period_start = c.period_start`,
      [
        deltas.map((d) => d.budgetId),
        deltas.map((d) => iso(d.periodStart)),
        deltas.map((d) => d.releasedNano),
        deltas.map((d) => d.spentNano),
      ],
    );
  }

  /**
   * The global budget of BUDGET_LIMIT_USD/BUDGET_PERIOD on the `default` tenant (static keys):
   * upserted at start-up when set, removed when unset (only if it came from the configuration).
   */
  async syncConfigBudget(limitNano: number | null, period: BudgetPeriod): Promise<void> {
    if (limitNano === null) {
      await this.dataSource.query(`DELETE FROM budgets WHERE managed_by = 'config'`);
      return;
    }
    await this.dataSource.query(
      `INSERT INTO budgets (tenant_id, api_key_id, period, limit_nano, managed_by)
       VALUES ($1::uuid, NULL, $2, $3::int8, 'config')
       ON CONFLICT (tenant_id) WHERE api_key_id IS NULL DO UPDATE
          SET period = EXCLUDED.period, limit_nano = EXCLUDED.limit_nano, managed_by = 'config', updated_at = now()
        WHERE budgets.period IS DISTINCT FROM EXCLUDED.period OR budgets.limit_nano IS DISTINCT FROM EXCLUDED.limit_nano
           OR budgets.managed_by <> 'config'`,
      [DEFAULT_TENANT_ID, period, limitNano],
    );
  }
}
