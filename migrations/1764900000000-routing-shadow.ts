import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Shadow classification and routing (docs/routing.md "Shadow classification and routing"):
 *  - routing_shadow_tenants: a tenant's own setting (take part or not, its sample rate) and its
 *    opt-in to shadow requests with their own budget (requests_budget_nano, spent here — never
 *    the tenant's budget or usage);
 *  - routing_shadow_results: one row per sampled request evaluated in the shadow — the live and
 *    the candidate label and route, their estimated costs, and the paired comparison of a shadow
 *    request when one was sent. Rows older than DECISION_LOG_RETENTION_DAYS are deleted hourly.
 */
export class RoutingShadow1764900000000 implements MigrationInterface {
  name = 'RoutingShadow1764900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE routing_shadow_tenants (
        tenant_id uuid PRIMARY KEY CONSTRAINT routing_shadow_tenants_tenant_fk REFERENCES tenants (id) ON DELETE CASCADE,
        enabled boolean NOT NULL,
        sample_rate real,
        requests_enabled boolean NOT NULL DEFAULT false,
        requests_sample_rate real NOT NULL DEFAULT 0.01,
        requests_budget_nano int8 NOT NULL DEFAULT 0,
        requests_spent_nano int8 NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE routing_shadow_results (
        id bigserial PRIMARY KEY,
        created_at timestamptz NOT NULL,
        request_id varchar(128) NOT NULL,
        tenant_id uuid NOT NULL,
        live_label varchar(16),
        shadow_label varchar(16),
        live_confidence real NOT NULL DEFAULT 0,
        shadow_confidence real NOT NULL DEFAULT 0,
        live_model varchar(100),
        shadow_model varchar(100),
        live_cost_nano int8 NOT NULL DEFAULT 0,
        shadow_cost_nano int8 NOT NULL DEFAULT 0,
        shadow_request jsonb
      )`);
    await queryRunner.query(
      `CREATE INDEX routing_shadow_results_created_idx ON routing_shadow_results (created_at)`,
    );
    await queryRunner.query(
      `CREATE INDEX routing_shadow_results_tenant_created_idx ON routing_shadow_results (tenant_id, created_at)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE routing_shadow_results`);
    await queryRunner.query(`DROP TABLE routing_shadow_tenants`);
  }
}
