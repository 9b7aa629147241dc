import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A/B routing experiments (docs/routing.md "A/B experiments"): per tenant, arms with weights and
 * a routing configuration each, sticky per API key or per conversation; at most one running
 * experiment per tenant (partial unique index). Each logged routing decision names the
 * experiment and arm it ran under (routing_decisions.experiment_id / experiment_arm), which the
 * per-arm report reads through a partial index.
 */
export class RoutingExperiments1764890000000 implements MigrationInterface {
  name = 'RoutingExperiments1764890000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE routing_experiments (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL CONSTRAINT routing_experiments_tenant_fk REFERENCES tenants (id) ON DELETE CASCADE,
        name varchar(64) NOT NULL,
        sticky varchar(16) NOT NULL,
        arms jsonb NOT NULL,
        status varchar(16) NOT NULL,
        created_by varchar(128) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        stopped_at timestamptz
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX routing_experiments_one_running_idx ON routing_experiments (tenant_id) WHERE status = 'running'`,
    );
    await queryRunner.query(
      `CREATE INDEX routing_experiments_tenant_created_idx ON routing_experiments (tenant_id, created_at)`,
    );
    await queryRunner.query(
      `ALTER TABLE routing_decisions ADD COLUMN experiment_id uuid, ADD COLUMN experiment_arm varchar(32)`,
    );
    await queryRunner.query(
      `CREATE INDEX routing_decisions_experiment_idx ON routing_decisions (experiment_id, experiment_arm)
        WHERE experiment_id IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX routing_decisions_experiment_idx`);
    await queryRunner.query(
      `ALTER TABLE routing_decisions DROP COLUMN experiment_arm, DROP COLUMN experiment_id`,
    );
    await queryRunner.query(`DROP TABLE routing_experiments`);
  }
}
