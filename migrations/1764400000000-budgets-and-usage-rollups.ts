import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Budgets (per tenant or per key) with their per-period counters, and the daily usage roll-up
 * that keeps the admin usage query fast. Runs unchanged on Postgres 15+ and on PGlite.
 *
 * - budget_counters holds one row per budget and period: `spent_nano` (settled cost) and
 *   `reserved_nano` (in-flight reservations). Reservations are one conditional upsert on that
 *   row, so concurrent requests on every replica serialise on its row lock.
 * - usage_daily is maintained by the usage batch writer in the same statement that inserts the
 *   raw rows, so the two never disagree.
 */
export class BudgetsAndUsageRollups1764400000000 implements MigrationInterface {
  name = 'BudgetsAndUsageRollups1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE budgets (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL CONSTRAINT budgets_tenant_fk REFERENCES tenants (id) ON DELETE CASCADE,
        api_key_id uuid NULL CONSTRAINT budgets_api_key_fk REFERENCES api_keys (id) ON DELETE CASCADE,
        period varchar(16) NOT NULL CONSTRAINT budgets_period_check CHECK (period IN ('daily', 'weekly', 'monthly', 'total')),
        limit_nano bigint NOT NULL CONSTRAINT budgets_limit_check CHECK (limit_nano >= 0),
        soft_limit_ratio double precision NOT NULL DEFAULT 0.8
          CONSTRAINT budgets_soft_limit_check CHECK (soft_limit_ratio >= 0 AND soft_limit_ratio <= 1),
        soft_action varchar(16) NOT NULL DEFAULT 'downgrade' CONSTRAINT budgets_soft_action_check CHECK (soft_action IN ('downgrade', 'alert')),
        managed_by varchar(16) NOT NULL DEFAULT 'admin' CONSTRAINT budgets_managed_by_check CHECK (managed_by IN ('admin', 'config')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX budgets_tenant_scope_unique ON budgets (tenant_id) WHERE api_key_id IS NULL`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX budgets_key_scope_unique ON budgets (api_key_id) WHERE api_key_id IS NOT NULL`,
    );
    await queryRunner.query(`
      CREATE TABLE budget_counters (
        budget_id uuid NOT NULL CONSTRAINT budget_counters_budget_fk REFERENCES budgets (id) ON DELETE CASCADE,
        period_start timestamptz NOT NULL,
        spent_nano bigint NOT NULL DEFAULT 0,
        reserved_nano bigint NOT NULL DEFAULT 0,
        CONSTRAINT budget_counters_pk PRIMARY KEY (budget_id, period_start)
      )`);
    await queryRunner.query(`
      CREATE TABLE usage_daily (
        tenant_id uuid NOT NULL,
        day date NOT NULL,
        provider varchar(16) NOT NULL,
        model varchar(100) NOT NULL,
        intent varchar(16) NOT NULL DEFAULT '',
        requests bigint NOT NULL DEFAULT 0,
        errors bigint NOT NULL DEFAULT 0,
        cache_hits bigint NOT NULL DEFAULT 0,
        prompt_tokens bigint NOT NULL DEFAULT 0,
        completion_tokens bigint NOT NULL DEFAULT 0,
        cached_tokens bigint NOT NULL DEFAULT 0,
        cost_nano bigint NOT NULL DEFAULT 0,
        saved_nano bigint NOT NULL DEFAULT 0,
        CONSTRAINT usage_daily_pk PRIMARY KEY (tenant_id, day, provider, model, intent)
      )`);
    await queryRunner.query(
      `CREATE INDEX audit_log_target_idx ON audit_log (target_type, target_id, created_at)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX audit_log_target_idx`);
    await queryRunner.query(`DROP TABLE usage_daily`);
    await queryRunner.query(`DROP TABLE budget_counters`);
    await queryRunner.query(`DROP TABLE budgets`);
  }
}
