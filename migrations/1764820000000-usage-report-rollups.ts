import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Spend reports (GET /admin/usage): roll-ups keyed by API key and by hour, refusals, and the
 * indexes for reports across tenants. Runs unchanged on Postgres 15+ and on PGlite.
 *
 * - usage_records.refusal: the error code of a request the gateway refused (policy, safety,
 *   budget, rate limit); such a row has no tokens and no cost. NULL for every served request.
 * - refusals: a new count in usage_daily and in the two new roll-ups; `requests`, `errors` and
 *   `cache_hits` count served requests only.
 * - usage_key_daily: per day, tenant, key, provider, model, intent. usage_hourly: the same per
 *   UTC hour. The key is the nil UUID for requests without a database key (static API_KEYS),
 *   so that it can be part of the primary key.
 * - The (day) and (hour) indexes and a BRIN index on usage_records.created_at serve reports
 *   across tenants (the (tenant_id, …) keys serve the per-tenant ones).
 * Existing usage rows are rolled up into the new tables here.
 */
export class UsageReportRollups1764820000000 implements MigrationInterface {
  name = 'UsageReportRollups1764820000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE usage_records ADD COLUMN refusal varchar(32) NULL`);
    await queryRunner.query(`ALTER TABLE usage_daily ADD COLUMN refusals bigint NOT NULL DEFAULT 0`);
    await queryRunner.query(`CREATE INDEX usage_daily_day_idx ON usage_daily (day)`);
    await queryRunner.query(
      `CREATE INDEX usage_records_time_brin ON usage_records USING brin (created_at) WITH (pages_per_range = 32)`,
    );
    for (const [table, grain] of [
      ['usage_key_daily', 'day date'],
      ['usage_hourly', 'hour timestamptz'],
    ] as const) {
      const column = grain.split(' ')[0];
      await queryRunner.query(`
        CREATE TABLE ${table} (
          tenant_id uuid NOT NULL,
          ${grain} NOT NULL,
          api_key_id uuid NOT NULL,
          provider varchar(16) NOT NULL,
          model varchar(100) NOT NULL,
          intent varchar(16) NOT NULL DEFAULT '',
          requests bigint NOT NULL DEFAULT 0,
          errors bigint NOT NULL DEFAULT 0,
          cache_hits bigint NOT NULL DEFAULT 0,
          refusals bigint NOT NULL DEFAULT 0,
          prompt_tokens bigint NOT NULL DEFAULT 0,
          completion_tokens bigint NOT NULL DEFAULT 0,
          cached_tokens bigint NOT NULL DEFAULT 0,
          cost_nano bigint NOT NULL DEFAULT 0,
          saved_nano bigint NOT NULL DEFAULT 0,
          CONSTRAINT ${table}_pk PRIMARY KEY (tenant_id, ${column}, api_key_id, provider, model, intent)
        )`);
      await queryRunner.query(`CREATE INDEX ${table}_${column}_idx ON ${table} (${column})`);
    }
    await queryRunner.query(`
      INSERT INTO usage_key_daily (tenant_id, day, api_key_id, provider, model, intent, requests, errors,
                                   cache_hits, prompt_tokens, completion_tokens, cached_tokens, cost_nano, saved_nano)
      SELECT tenant_id, (created_at AT TIME ZONE 'UTC')::date,
             COALESCE(api_key_id, '00000000-0000-0000-0000-000000000000'::uuid), provider, model, COALESCE(intent, ''),
             count(*), count(*) FILTER (WHERE status >= 400), count(*) FILTER (WHERE cache_hit),
             sum(prompt_tokens), sum(completion_tokens), sum(cached_tokens), sum(cost_nano), sum(saved_nano)
        FROM usage_records GROUP BY 1, 2, 3, 4, 5, 6`);
    await queryRunner.query(`
      INSERT INTO usage_hourly (tenant_id, hour, api_key_id, provider, model, intent, requests, errors,
                                cache_hits, prompt_tokens, completion_tokens, cached_tokens, cost_nano, saved_nano)
      SELECT tenant_id, date_trunc('hour', created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC',
             COALESCE(api_key_id, '00000000-0000-0000-0000-000000000000'::uuid), provider, model, COALESCE(intent, ''),
             count(*), count(*) FILTER (WHERE status >= 400), count(*) FILTER (WHERE cache_hit),
             sum(prompt_tokens), sum(completion_tokens), sum(cached_tokens), sum(cost_nano), sum(saved_nano)
        FROM usage_records GROUP BY 1, 2, 3, 4, 5, 6`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE usage_hourly`);
    await queryRunner.query(`DROP TABLE usage_key_daily`);
    await queryRunner.query(`DROP INDEX usage_records_time_brin`);
    await queryRunner.query(`DROP INDEX usage_daily_day_idx`);
    await queryRunner.query(`ALTER TABLE usage_daily DROP COLUMN refusals`);
    await queryRunner.query(`ALTER TABLE usage_records DROP COLUMN refusal`);
  }
}
