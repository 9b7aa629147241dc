import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Tenant policies (production mode): allowed providers/models, PII handling, safety, routing overrides. */
export class TenantPolicies1764500000000 implements MigrationInterface {
  name = 'TenantPolicies1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE tenant_policies (
        tenant_id uuid PRIMARY KEY CONSTRAINT tenant_policies_tenant_fk REFERENCES tenants (id) ON DELETE CASCADE,
        policy jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE tenant_policies`);
  }
}
