import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Admin roles (issue 16): a key role on api_keys (`client`, or `tenant_admin`: manages its own
 * tenant through the admin API), platform admin keys (tenant-less, hashed like client keys), and
 * the platform admin's policy kept beside the tenant's effective policy as the ceiling a tenant
 * admin may only narrow (NULL: the policy itself is the platform's).
 */
export class AdminRoles1764800000000 implements MigrationInterface {
  name = 'AdminRoles1764800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE api_keys ADD COLUMN role varchar(16) NOT NULL DEFAULT 'client'
        CONSTRAINT api_keys_role_check CHECK (role IN ('client', 'tenant_admin'))`);
    await queryRunner.query(`
      CREATE TABLE admin_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name varchar(200) NOT NULL,
        key_hash char(64) NOT NULL,
        prefix varchar(32) NOT NULL,
        status varchar(16) NOT NULL DEFAULT 'active' CONSTRAINT admin_keys_status_check CHECK (status IN ('active', 'revoked')),
        expires_at timestamptz NULL,
        last_used_at timestamptz NULL,
        created_by varchar(100) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz NULL,
        CONSTRAINT admin_keys_key_hash_unique UNIQUE (key_hash)
      )`);
    await queryRunner.query(`ALTER TABLE tenant_policies ADD COLUMN ceiling jsonb NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE tenant_policies DROP COLUMN ceiling`);
    await queryRunner.query(`DROP TABLE admin_keys`);
    await queryRunner.query(`ALTER TABLE api_keys DROP COLUMN role`);
  }
}
