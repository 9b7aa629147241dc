import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The spend report's roll-ups other than usage_daily (which 1764840000000 extended). */
const ROLLUPS = [
  'usage_model_daily',
  'usage_tenant_key_daily',
  'usage_key_daily',
  'usage_model_hourly',
  'usage_hourly',
];

/**
 * Every usage roll-up counts the requests billed at an estimated price, like usage_daily does, so
 * that a spend report says how much of its spend is an estimate whichever roll-up answers it.
 * Nothing to back-fill: rows are flagged only since 1764840000000, which runs just before.
 */
export class RollupEstimatedPricing1764870000000 implements MigrationInterface {
  name = 'RollupEstimatedPricing1764870000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const table of ROLLUPS) {
      await queryRunner.query(
        `ALTER TABLE ${table} ADD COLUMN estimated_price_requests bigint NOT NULL DEFAULT 0`,
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ROLLUPS) {
      await queryRunner.query(`ALTER TABLE ${table} DROP COLUMN estimated_price_requests`);
    }
  }
}
