import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * usage_rollup_queue: the usage rows written but not yet added to the roll-ups. The usage writer
 * inserts each raw row into usage_records and into this queue in one statement (that is all a
 * request waits for under USAGE_DURABLE_ACK); the roll-up pass then deletes a batch from the
 * queue and adds it to every roll-up in one statement (src/billing/usage/usage-writer.ts), so
 * that at every commit the roll-ups plus the queue equal the raw rows exactly, on any number of
 * replicas (FOR UPDATE) and after a crash (what is queued stays queued). No index:
 * the queue holds the rows of the last moments only and is read whole.
 *
 * Existing rows are already in the roll-ups: nothing to back-fill. Runs on Postgres and PGlite.
 */
export class UsageRollupQueue1764930000000 implements MigrationInterface {
  name = 'UsageRollupQueue1764930000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE usage_rollup_queue (
        tenant_id uuid NOT NULL,
        api_key_id uuid NULL,
        provider varchar(16) NOT NULL,
        model varchar(100) NOT NULL,
        intent varchar(16) NULL,
        prompt_tokens integer NOT NULL,
        completion_tokens integer NOT NULL,
        cached_tokens integer NOT NULL,
        cost_nano bigint NOT NULL,
        saved_nano bigint NOT NULL,
        latency_ms integer NOT NULL,
        status smallint NOT NULL,
        cache_hit boolean NOT NULL,
        created_at timestamptz NOT NULL,
        refusal varchar(32) NULL,
        pricing_estimated boolean NOT NULL,
        auto_routed boolean NOT NULL,
        fallback boolean NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE usage_rollup_queue`);
  }
}
