import type { MigrationInterface, QueryRunner } from 'typeorm';

const NO_KEY = `'00000000-0000-0000-0000-000000000000'::uuid`;
const MEASURES = `requests, errors, cache_hits, refusals, prompt_tokens, completion_tokens, cached_tokens, cost_nano, saved_nano`;
const RAW_MEASURES = `count(*) FILTER (WHERE refusal IS NULL), count(*) FILTER (WHERE refusal IS NULL AND status >= 400),
  count(*) FILTER (WHERE refusal IS NULL AND cache_hit), count(*) FILTER (WHERE refusal IS NOT NULL),
  sum(prompt_tokens), sum(completion_tokens), sum(cached_tokens), sum(cost_nano), sum(saved_nano)`;

/** [table, time column, its type and raw expression, further key columns with types and raw expressions]. */
const TABLES: Array<[string, string, string, string, Array<[string, string, string]>]> = [
  [
    'usage_model_daily',
    'day',
    'date',
    `(created_at AT TIME ZONE 'UTC')::date`,
    [
      ['provider', 'varchar(16)', 'provider'],
      ['model', 'varchar(100)', 'model'],
    ],
  ],
  [
    'usage_tenant_key_daily',
    'day',
    'date',
    `(created_at AT TIME ZONE 'UTC')::date`,
    [['api_key_id', 'uuid', `COALESCE(api_key_id, ${NO_KEY})`]],
  ],
  [
    'usage_model_hourly',
    'hour',
    'timestamptz',
    `date_trunc('hour', created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'`,
    [
      ['provider', 'varchar(16)', 'provider'],
      ['model', 'varchar(100)', 'model'],
    ],
  ],
];

/**
 * Compact roll-ups for spend reports (see src/billing/usage/usage-rollups.ts): per tenant and day
 * by model, per tenant and day by key, per tenant and hour by model. A report reads the smallest
 * roll-up that has the dimensions it needs, so reports across all tenants stay fast; the batch
 * writer maintains these in the same statement as the others. Existing usage is rolled up here.
 */
export class UsageReportCompactRollups1764820000001 implements MigrationInterface {
  name = 'UsageReportCompactRollups1764820000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const [table, time, timeType, timeFromRaw, keys] of TABLES) {
      const keyColumns = keys.map(([column]) => column);
      await queryRunner.query(`
        CREATE TABLE ${table} (
          tenant_id uuid NOT NULL,
          ${time} ${timeType} NOT NULL,
          ${keys.map(([column, type]) => `${column} ${type} NOT NULL`).join(',\n          ')},
          requests bigint NOT NULL DEFAULT 0,
          errors bigint NOT NULL DEFAULT 0,
          cache_hits bigint NOT NULL DEFAULT 0,
          refusals bigint NOT NULL DEFAULT 0,
          prompt_tokens bigint NOT NULL DEFAULT 0,
          completion_tokens bigint NOT NULL DEFAULT 0,
          cached_tokens bigint NOT NULL DEFAULT 0,
          cost_nano bigint NOT NULL DEFAULT 0,
          saved_nano bigint NOT NULL DEFAULT 0,
          CONSTRAINT ${table}_pk PRIMARY KEY (tenant_id, ${time}, ${keyColumns.join(', ')})
        )`);
      await queryRunner.query(`CREATE INDEX ${table}_${time}_idx ON ${table} (${time})`);
      const positions = [1, 2, ...keys.map((_, i) => i + 3)].join(', ');
      await queryRunner.query(`
        INSERT INTO ${table} (tenant_id, ${time}, ${keyColumns.join(', ')}, ${MEASURES})
        SELECT tenant_id, ${timeFromRaw}, ${keys.map(([, , raw]) => raw).join(', ')}, ${RAW_MEASURES}
          FROM usage_records GROUP BY ${positions}`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const [table] of [...TABLES].reverse()) await queryRunner.query(`DROP TABLE ${table}`);
  }
}
