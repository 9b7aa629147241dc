import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tenants, API keys, usage records and the admin audit log. Runs unchanged on Postgres 15+
 * and on the embedded PGlite. The `default` tenant (fixed id) owns the static API_KEYS.
 */
export class InitialSchema1764150000000 implements MigrationInterface {
  name = 'InitialSchema1764150000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE tenants (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name varchar(200) NOT NULL,
        status varchar(16) NOT NULL DEFAULT 'active' CONSTRAINT tenants_status_check CHECK (status IN ('active', 'suspended')),
        rate_limit_rpm integer NULL CONSTRAINT tenants_rate_limit_check CHECK (rate_limit_rpm IS NULL OR rate_limit_rpm >= 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT tenants_name_unique UNIQUE (name)
      )`);
    await queryRunner.query(`
      INSERT INTO tenants (id, name) VALUES ('00000000-0000-0000-0000-000000000000', 'default')`);
    await queryRunner.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL CONSTRAINT api_keys_tenant_fk REFERENCES tenants (id) ON DELETE CASCADE,
        name varchar(200) NOT NULL,
        key_hash char(64) NOT NULL,
        prefix varchar(32) NOT NULL,
        status varchar(16) NOT NULL DEFAULT 'active' CONSTRAINT api_keys_status_check CHECK (status IN ('active', 'revoked')),
        expires_at timestamptz NULL,
        last_used_at timestamptz NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz NULL,
        CONSTRAINT api_keys_key_hash_unique UNIQUE (key_hash)
      )`);
    await queryRunner.query(`CREATE INDEX api_keys_tenant_idx ON api_keys (tenant_id)`);
    await queryRunner.query(`
      CREATE TABLE usage_records (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        request_id varchar(128) NOT NULL,
        tenant_id uuid NOT NULL,
        api_key_id uuid NULL,
        provider varchar(16) NOT NULL,
        model varchar(100) NOT NULL,
        intent varchar(16) NULL,
        prompt_tokens integer NOT NULL DEFAULT 0,
        completion_tokens integer NOT NULL DEFAULT 0,
        cached_tokens integer NOT NULL DEFAULT 0,
        cost_nano bigint NOT NULL DEFAULT 0,
        saved_nano bigint NOT NULL DEFAULT 0,
        latency_ms integer NOT NULL DEFAULT 0,
        status smallint NOT NULL,
        cache_hit boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE INDEX usage_records_tenant_time_idx ON usage_records (tenant_id, created_at)`,
    );
    await queryRunner.query(`
      CREATE TABLE audit_log (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        actor varchar(100) NOT NULL,
        action varchar(64) NOT NULL,
        target_type varchar(32) NOT NULL,
        target_id varchar(64) NULL,
        details jsonb NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX audit_log_time_idx ON audit_log (created_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE audit_log`);
    await queryRunner.query(`DROP TABLE usage_records`);
    await queryRunner.query(`DROP TABLE api_keys`);
    await queryRunner.query(`DROP TABLE tenants`);
  }
}
