import type { MigrationInterface, QueryRunner } from 'typeorm';

const MEASURES = [
  'requests',
  'errors',
  'cache_hits',
  'refusals',
  'prompt_tokens',
  'completion_tokens',
  'cached_tokens',
  'cost_nano',
  'saved_nano',
  'estimated_price_requests',
];

/** Time columns: type and value from an hour of usage_hourly. */
const TIME: Record<string, [string, string]> = {
  day: ['date', `(hour AT TIME ZONE 'UTC')::date`],
  hour: ['timestamptz', 'hour'],
  week: ['date', `date_trunc('week', hour AT TIME ZONE 'UTC')::date`],
  month: ['date', `date_trunc('month', hour AT TIME ZONE 'UTC')::date`],
};

const DIMENSIONS: Record<string, string> = {
  tenant_id: 'uuid',
  api_key_id: 'uuid',
  provider: 'varchar(16)',
  model: 'varchar(100)',
  intent: 'varchar(16)',
};

/** The spend report's roll-ups (every one before this migration, and the new ones). */
const EARLIER_ROLLUPS = [
  'usage_daily',
  'usage_model_daily',
  'usage_tenant_key_daily',
  'usage_key_daily',
  'usage_model_hourly',
  'usage_hourly',
];

/**
 * Narrow and coarse roll-ups for spend reports (src/billing/usage/usage-rollups.ts), so that a
 * report reads few roll-up rows whatever it groups by:
 * - usage_platform_daily/hourly/weekly/monthly: no tenant (reports across tenants not grouped by
 *   tenant or key);
 * - usage_tenant_daily/hourly: tenant only (by tenant, by tenant and day or hour, one tenant's totals);
 * - usage_tenant_key_hourly: by key (the edge hours of a report by key);
 * - usage_key_model_daily: by key and model without intent (a tenant's keys by model and day);
 * - usage_weekly (ISO weeks, from Monday) and usage_monthly (calendar months), by tenant, provider,
 *   model and intent, and usage_tenant_key_weekly/monthly by tenant and key: the whole weeks and
 *   months of a long range.
 * The primary key leads with tenant when there is one, then time (per-tenant reports), and the
 * tables with a tenant get a (time) index for reports across tenants.
 *
 * Back-filled from usage_hourly, which holds every usage row (back-filled from them by
 * 1764820000000 and maintained in the same statement as the rows since): a tenth of the rows to
 * read. Every roll-up gets a fill factor of 70 so that the writer's updates of a period's rows are
 * HOT updates (no new index entries). Runs unchanged on Postgres 15+ and on PGlite.
 */
export class UsageReportNarrowRollups1764880000000 implements MigrationInterface {
  name = 'UsageReportNarrowRollups1764880000000';

  /**
   * [table, time column, key columns besides time, in primary-key order after it]. A field, not a
   * module constant, so that the embedded database's migrated template (keyed by the migrations'
   * class text) changes with it.
   */
  readonly tables: Array<[string, string, string[]]> = [
    ['usage_platform_daily', 'day', ['provider', 'model', 'intent']],
    ['usage_platform_hourly', 'hour', ['provider', 'model', 'intent']],
    ['usage_tenant_daily', 'day', ['tenant_id']],
    ['usage_tenant_hourly', 'hour', ['tenant_id']],
    ['usage_tenant_key_hourly', 'hour', ['tenant_id', 'api_key_id']],
    ['usage_key_model_daily', 'day', ['tenant_id', 'api_key_id', 'provider', 'model']],
    ['usage_platform_weekly', 'week', ['provider', 'model', 'intent']],
    ['usage_tenant_key_weekly', 'week', ['tenant_id', 'api_key_id']],
    ['usage_weekly', 'week', ['tenant_id', 'provider', 'model', 'intent']],
    ['usage_platform_monthly', 'month', ['provider', 'model', 'intent']],
    ['usage_tenant_key_monthly', 'month', ['tenant_id', 'api_key_id']],
    ['usage_monthly', 'month', ['tenant_id', 'provider', 'model', 'intent']],
  ];

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const [table, time, keys] of this.tables) {
      const [timeType, timeFromHourly] = TIME[time];
      const tenant = keys.includes('tenant_id') ? ['tenant_id'] : [];
      const primaryKey = [...tenant, time, ...keys.filter((k) => k !== 'tenant_id')];
      await queryRunner.query(`
        CREATE TABLE ${table} (
          ${time} ${timeType} NOT NULL,
          ${keys.map((k) => `${k} ${DIMENSIONS[k]} NOT NULL`).join(',\n          ')},
          ${MEASURES.map((m) => `${m} bigint NOT NULL DEFAULT 0`).join(',\n          ')},
          CONSTRAINT ${table}_pk PRIMARY KEY (${primaryKey.join(', ')})
        ) WITH (fillfactor = 70)`);
      if (tenant.length > 0)
        await queryRunner.query(`CREATE INDEX ${table}_${time}_idx ON ${table} (${time})`);
      const positions = primaryKey.map((_, i) => i + 1).join(', ');
      await queryRunner.query(`
        INSERT INTO ${table} (${primaryKey.join(', ')}, ${MEASURES.join(', ')})
        SELECT ${primaryKey.map((k) => (k === time ? timeFromHourly : k)).join(', ')},
               ${MEASURES.map((m) => `sum(${m})`).join(', ')}
          FROM usage_hourly GROUP BY ${positions}`);
      // Statistics now, so that the first reports plan on the real size, not on an empty table.
      await queryRunner.query(`ANALYZE ${table}`);
    }
    for (const table of [...EARLIER_ROLLUPS, ...this.tables.map(([t]) => t)]) {
      await queryRunner.query(`ALTER TABLE ${table} SET (fillfactor = 70)`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of EARLIER_ROLLUPS) await queryRunner.query(`ALTER TABLE ${table} RESET (fillfactor)`);
    for (const [table] of [...this.tables].reverse()) await queryRunner.query(`DROP TABLE ${table}`);
  }
}
