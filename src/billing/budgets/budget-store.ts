import type { DataSource } from 'typeorm';
import { namedStatementRunner, type NamedStatementRunner } from '../../database/named-statement';
import type { BudgetPeriod } from '../../config/app-config';
import { DEFAULT_TENANT_ID } from '../../common/principal';
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

/** This replica in the reservation ledger: its id and how long its holds live without a heartbeat. */
export interface BudgetHolder {
  id: string;
  ttlMs: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Something that runs SQL: a DataSource, or a transaction's EntityManager. */
export interface SqlRunner {
  query<T = unknown>(sql: string, parameters?: unknown[]): Promise<T>;
}

/**
 * Starts a budget's counter for the current period from what the period has already spent: a
 * budget set mid-period counts the period's recorded usage (a team that spent $90 this month and
 * then gets a $100 monthly budget has $10 left, not $100). Tenant budgets read the daily
 * roll-ups (periods start at UTC midnight) plus the rows still queued for them (one statement,
 * one snapshot: a roll-up pass moves rows from one to the other atomically); key budgets sum the key's usage rows since the
 * period start (the tenant/time index). The counter keeps the larger of what it holds and what
 * the usage says: it counts only the budget's own lifetime, the usage everything, and a
 * settlement whose usage row is not written yet is already in the counter. Returns the spend.
 */
export async function startCounterFromUsage(
  runner: SqlRunner,
  budgetId: string,
  period: BudgetPeriod,
  nowMs: number,
): Promise<number> {
  const rows = await runner.query<Array<{ spent_nano: number | string }>>(
    `WITH b AS (SELECT id, tenant_id, api_key_id FROM budgets WHERE id = $1::uuid),
     used AS (
       SELECT CASE WHEN b.api_key_id IS NULL THEN
                (SELECT COALESCE(sum(d.cost_nano), 0) FROM usage_daily d
                  WHERE d.tenant_id = b.tenant_id AND d.day >= ($2::timestamptz AT TIME ZONE 'UTC')::date)
                + (SELECT COALESCE(sum(q.cost_nano), 0) FROM usage_rollup_queue q
                    WHERE q.tenant_id = b.tenant_id AND q.created_at >= $2::timestamptz)
              ELSE
                (SELECT COALESCE(sum(r.cost_nano), 0) FROM usage_records r
                  WHERE r.tenant_id = b.tenant_id AND r.api_key_id = b.api_key_id AND r.created_at >= $2::timestamptz)
              END AS nano
         FROM b)
     INSERT INTO budget_counters AS c (budget_id, period_start, spent_nano)
     SELECT $1::uuid, $2::timestamptz, used.nano FROM used
     ON CONFLICT (budget_id, period_start) DO UPDATE SET spent_nano = GREATEST(c.spent_nano, EXCLUDED.spent_nano)
     RETURNING c.spent_nano`,
    [budgetId, iso(periodStart(period, nowMs))],
  );
  return Number(rows[0]?.spent_nano ?? 0);
}

/**
 * The budget SQL. Every statement here is a single statement (atomic on its own, no
 * transaction round trips) and runs unchanged on Postgres and PGlite. Locks are always taken
 * counter rows first, then holds, each in key order, so that statements cannot deadlock.
 */
export class BudgetStore {
  /** The settlement statements, prepared once per connection (they run once per batch). */
  private readonly runNamed: NamedStatementRunner;

  constructor(
    private readonly dataSource: DataSource,
    private readonly holder: BudgetHolder,
    prepared = true,
  ) {
    this.runNamed = namedStatementRunner(dataSource, prepared);
  }

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
   * the limit. The limit is read from `budgets` in the same statement (never a stale copy). The
   * same statement records the amount in this replica's hold (the ledger row that expires if the
   * replica dies), after the counter row is locked. Returns the counter after the reservation,
   * or null when it does not fit (or the budget is gone).
   */
  async reserve(budgetId: string, start: number, amountNano: number): Promise<CounterSnapshot | null> {
    const rows: Array<{ spent_nano: number | string; reserved_nano: number | string }> =
      await this.dataSource.query(
        `WITH c AS (
           INSERT INTO budget_counters AS c (budget_id, period_start, reserved_nano)
           SELECT b.id, $2::timestamptz, $3::int8 FROM budgets b WHERE b.id = $1::uuid AND $3::int8 <= b.limit_nano
           ON CONFLICT (budget_id, period_start) DO UPDATE
              SET reserved_nano = c.reserved_nano + EXCLUDED.reserved_nano
            WHERE c.spent_nano + c.reserved_nano + EXCLUDED.reserved_nano
                  <= (SELECT b2.limit_nano FROM budgets b2 WHERE b2.id = c.budget_id)
           RETURNING c.budget_id, c.period_start, c.spent_nano, c.reserved_nano
         ), held AS (
           INSERT INTO budget_holds AS h (budget_id, period_start, holder, reserved_nano, expires_at)
           SELECT c.budget_id, c.period_start, $4, $3::int8, now() + $5::int8 * interval '1 millisecond' FROM c
           ON CONFLICT (budget_id, period_start, holder) DO UPDATE
              SET reserved_nano = h.reserved_nano + EXCLUDED.reserved_nano, expires_at = EXCLUDED.expires_at
         )
         SELECT spent_nano, reserved_nano FROM c`,
        [budgetId, iso(start), amountNano, this.holder.id, this.holder.ttlMs],
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
   * Settlements and releases, many in one statement. Counter rows are locked in key order first
   * (as reserve() does), so two replicas flushing overlapping batches cannot deadlock. A release
   * comes out of this replica's hold and never exceeds it: if the hold was reclaimed meanwhile
   * (this replica was presumed dead), the reclaim already gave the reservation back and only the
   * spend is added.
   */
  async applyDeltas(deltas: readonly CounterDelta[]): Promise<void> {
    if (deltas.length === 0) return;
    // Spend without a reservation (charge()) may reach a period whose counter row does not exist yet.
    const chargesOnly = deltas.filter((d) => d.releasedNano === 0 && d.spentNano > 0);
    if (chargesOnly.length > 0) {
      await this.runNamed(
        'modelmuxer_budget_counter_rows',
        `INSERT INTO budget_counters (budget_id, period_start)
         SELECT b.id, v.period_start FROM unnest($1::uuid[], $2::timestamptz[]) AS v(budget_id, period_start)
           JOIN budgets b ON b.id = v.budget_id
         ON CONFLICT (budget_id, period_start) DO NOTHING`,
        [chargesOnly.map((d) => d.budgetId), chargesOnly.map((d) => iso(d.periodStart))],
      );
    }
    await this.runNamed(
      'modelmuxer_budget_settle',
      `WITH v AS (
         SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::int8[], $4::int8[])
                AS v(budget_id, period_start, released, spent)
       ), locked AS (
         SELECT c.budget_id, c.period_start FROM budget_counters c
           JOIN v ON v.budget_id = c.budget_id AND v.period_start = c.period_start
          ORDER BY c.budget_id, c.period_start
            FOR UPDATE OF c
       ), hold AS (
         SELECT h.budget_id, h.period_start, h.reserved_nano FROM budget_holds h
           JOIN locked l ON l.budget_id = h.budget_id AND l.period_start = h.period_start
          WHERE h.holder = $5
          ORDER BY h.budget_id, h.period_start
            FOR UPDATE OF h
       ), f AS (
         SELECT v.budget_id, v.period_start, v.spent, LEAST(v.released, COALESCE(hold.reserved_nano, 0)) AS freed
           FROM v JOIN locked l ON l.budget_id = v.budget_id AND l.period_start = v.period_start
           LEFT JOIN hold ON hold.budget_id = v.budget_id AND hold.period_start = v.period_start
       ), unheld AS (
         UPDATE budget_holds h SET reserved_nano = h.reserved_nano - f.freed
           FROM f
          WHERE h.holder = $5 AND h.budget_id = f.budget_id AND h.period_start = f.period_start AND f.freed > 0
       )
       UPDATE budget_counters c
          SET reserved_nano = GREATEST(0, c.reserved_nano - f.freed),
              spent_nano = c.spent_nano + f.spent
         FROM f
        WHERE c.budget_id = f.budget_id AND c.period_start = f.period_start`,
      [
        deltas.map((d) => d.budgetId),
        deltas.map((d) => iso(d.periodStart)),
        deltas.map((d) => d.releasedNano),
        deltas.map((d) => d.spentNano),
        this.holder.id,
      ],
    );
  }

  /**
   * Extends the expiry of this replica's holds (it is alive). Rows are locked in key order, as
   * everywhere else. Returns how many holds this replica has in the ledger.
   */
  async heartbeat(): Promise<number> {
    const rows: Array<{ n: number | string }> = await this.dataSource.query(
      `WITH mine AS (
         SELECT budget_id, period_start FROM budget_holds WHERE holder = $1
          ORDER BY budget_id, period_start FOR UPDATE
       ), extended AS (
         UPDATE budget_holds h SET expires_at = now() + $2::int8 * interval '1 millisecond'
           FROM mine WHERE h.holder = $1 AND h.budget_id = mine.budget_id AND h.period_start = mine.period_start
         RETURNING 1
       )
       SELECT count(*) AS n FROM extended`,
      [this.holder.id, this.holder.ttlMs],
    );
    return Number(rows[0]?.n ?? 0);
  }

  /**
   * Gives back to their budgets the holds of replicas that stopped extending them (expired),
   * and drops empty holds. Counter rows are locked first, then the holds are deleted and their
   * amounts subtracted, in one statement. Returns the nano-USD given back.
   */
  async reclaimExpired(): Promise<number> {
    const rows: Array<{ amount: number | string }> = await this.dataSource.query(
      `WITH doomed AS (
         SELECT DISTINCT budget_id, period_start FROM budget_holds
          WHERE expires_at < now() OR reserved_nano = 0
       ), locked AS (
         SELECT c.budget_id, c.period_start FROM budget_counters c
           JOIN doomed d ON d.budget_id = c.budget_id AND d.period_start = c.period_start
          ORDER BY c.budget_id, c.period_start
            FOR UPDATE OF c
       ), gone AS (
         DELETE FROM budget_holds h USING locked l
          WHERE h.budget_id = l.budget_id AND h.period_start = l.period_start
            AND (h.expires_at < now() OR h.reserved_nano = 0)
         RETURNING h.budget_id, h.period_start, h.reserved_nano
       ), sums AS (
         SELECT budget_id, period_start, sum(reserved_nano)::int8 AS amount FROM gone GROUP BY budget_id, period_start
       ), given AS (
         UPDATE budget_counters c SET reserved_nano = GREATEST(0, c.reserved_nano - s.amount)
           FROM sums s
          WHERE c.budget_id = s.budget_id AND c.period_start = s.period_start AND s.amount > 0
         RETURNING s.amount
       )
       SELECT COALESCE(sum(amount), 0)::int8 AS amount FROM given`,
    );
    return Number(rows[0]?.amount ?? 0);
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
    const [budget] = await this.dataSource.query<Array<{ id: string; period: BudgetPeriod }>>(
      `SELECT id, period FROM budgets WHERE tenant_id = $1::uuid AND api_key_id IS NULL`,
      [DEFAULT_TENANT_ID],
    );
    if (budget) await startCounterFromUsage(this.dataSource, budget.id, budget.period, Date.now());
  }
}
