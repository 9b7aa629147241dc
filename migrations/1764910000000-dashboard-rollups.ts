import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The dashboard's roll-ups (src/billing/usage/dashboard-rollups.ts), maintained by the batch
 * writer in its one statement. Runs unchanged on Postgres 15+ and on PGlite.
 *
 * - usage_records.auto_routed: the router chose the model (the client asked for `auto` or an auto
 *   alias); usage_records.fallback: a fallback of the routing chain answered. Both false for
 *   rows written before this migration and for rows that are not upstream-answered chat calls.
 * - usage_latency_daily: served client requests per tenant, UTC day and log-scale latency bucket
 *   (bucket = floor(log2(latency_ms + 1) · 4)); back-filled here from the raw rows.
 * - usage_routing_daily: the auto-routed requests per tenant, UTC day and intent, with tokens and
 *   cost; usage_fallback_daily: the requests a fallback answered per tenant, UTC day and model.
 *   Not back-filled (older rows do not say): routing savings and fallbacks count from this
 *   migration on.
 */
export class DashboardRollups1764910000000 implements MigrationInterface {
  name = 'DashboardRollups1764910000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE usage_records ADD COLUMN auto_routed boolean NOT NULL DEFAULT false`,
    );
    await queryRunner.query(`ALTER TABLE usage_records ADD COLUMN fallback boolean NOT NULL DEFAULT false`);
    await queryRunner.query(`
      CREATE TABLE usage_latency_daily (
        tenant_id uuid NOT NULL,
        day date NOT NULL,
        bucket int2 NOT NULL,
        requests bigint NOT NULL DEFAULT 0,
        CONSTRAINT usage_latency_daily_pk PRIMARY KEY (tenant_id, day, bucket)
      )`);
    await queryRunner.query(`CREATE INDEX usage_latency_daily_day_idx ON usage_latency_daily (day)`);
    await queryRunner.query(`
      CREATE TABLE usage_routing_daily (
        tenant_id uuid NOT NULL,
        day date NOT NULL,
        intent varchar(16) NOT NULL DEFAULT '',
        requests bigint NOT NULL DEFAULT 0,
        prompt_tokens bigint NOT NULL DEFAULT 0,
        completion_tokens bigint NOT NULL DEFAULT 0,
        cached_tokens bigint NOT NULL DEFAULT 0,
        cost_nano bigint NOT NULL DEFAULT 0,
        CONSTRAINT usage_routing_daily_pk PRIMARY KEY (tenant_id, day, intent)
      )`);
    await queryRunner.query(`CREATE INDEX usage_routing_daily_day_idx ON usage_routing_daily (day)`);
    await queryRunner.query(`
      CREATE TABLE usage_fallback_daily (
        tenant_id uuid NOT NULL,
        day date NOT NULL,
        provider varchar(16) NOT NULL,
        model varchar(100) NOT NULL,
        requests bigint NOT NULL DEFAULT 0,
        CONSTRAINT usage_fallback_daily_pk PRIMARY KEY (tenant_id, day, provider, model)
      )`);
    await queryRunner.query(`CREATE INDEX usage_fallback_daily_day_idx ON usage_fallback_daily (day)`);
    await queryRunner.query(`
      INSERT INTO usage_latency_daily (tenant_id, day, bucket, requests)
      SELECT tenant_id, (created_at AT TIME ZONE 'UTC')::date,
             floor(ln(GREATEST(latency_ms, 0) + 1.0) / ln(2.0) * 4 + 1e-9)::int2, count(*)
        FROM usage_records
       WHERE refusal IS NULL AND COALESCE(intent, '') NOT IN ('intent_fallback', 'cache_embed', 'embeddings')
       GROUP BY 1, 2, 3`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE usage_fallback_daily`);
    await queryRunner.query(`DROP TABLE usage_routing_daily`);
    await queryRunner.query(`DROP TABLE usage_latency_daily`);
    await queryRunner.query(`ALTER TABLE usage_records DROP COLUMN fallback`);
    await queryRunner.query(`ALTER TABLE usage_records DROP COLUMN auto_routed`);
  }
}
