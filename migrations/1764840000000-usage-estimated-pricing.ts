import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Usage billed at an estimated price (a model whose price is not in the catalog: a pass-through
 * name, a LiteLLM model without /model/info, priced from its family or the fallback price) is
 * flagged on its row, and counted in the daily roll-up, so usage reports say how much of the spend
 * is an estimate. Constant defaults: no table rewrite on Postgres 11+.
 */
export class UsageEstimatedPricing1764840000000 implements MigrationInterface {
  name = 'UsageEstimatedPricing1764840000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE usage_records ADD COLUMN pricing_estimated boolean NOT NULL DEFAULT false`,
    );
    await queryRunner.query(
      `ALTER TABLE usage_daily ADD COLUMN estimated_price_requests bigint NOT NULL DEFAULT 0`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE usage_daily DROP COLUMN estimated_price_requests`);
    await queryRunner.query(`ALTER TABLE usage_records DROP COLUMN pricing_estimated`);
  }
}
