import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The reservation ledger: who holds what of each budget counter's `reserved_nano`, and until
 * when. Every replica (holder) extends the expiry of its own rows while it lives; rows of a
 * replica that died (SIGKILL, OOM, lost node) expire and any replica gives them back to the
 * budget. Invariant: a counter's reserved_nano = the sum of its holds.
 *
 * Reservations made before this migration have no holder: they become one `legacy` hold per
 * counter that expires ten minutes after the upgrade (old replicas still settling them during a
 * rolling upgrade do so within that time; whatever is left is given back).
 */
export class BudgetHolds1764600000000 implements MigrationInterface {
  name = 'BudgetHolds1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE budget_holds (
        budget_id uuid NOT NULL,
        period_start timestamptz NOT NULL,
        holder varchar(64) NOT NULL,
        reserved_nano bigint NOT NULL DEFAULT 0 CONSTRAINT budget_holds_reserved_check CHECK (reserved_nano >= 0),
        expires_at timestamptz NOT NULL,
        CONSTRAINT budget_holds_pk PRIMARY KEY (budget_id, period_start, holder),
        CONSTRAINT budget_holds_counter_fk FOREIGN KEY (budget_id, period_start)
          REFERENCES budget_counters (budget_id, period_start) ON DELETE CASCADE
      )`);
    await queryRunner.query(`CREATE INDEX budget_holds_expires_idx ON budget_holds (expires_at)`);
    await queryRunner.query(`CREATE INDEX budget_holds_holder_idx ON budget_holds (holder)`);
    await queryRunner.query(`
      INSERT INTO budget_holds (budget_id, period_start, holder, reserved_nano, expires_at)
      SELECT budget_id, period_start, 'legacy', reserved_nano, now() + interval '10 minutes'
        FROM budget_counters WHERE reserved_nano > 0`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE budget_holds`);
  }
}
