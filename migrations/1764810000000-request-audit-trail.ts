import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The per-request audit trail in the same table as the admin changes (audit_log): one stream,
 * one time order, one cursor. Gateway decisions (refusals, redactions, downgrades, fallbacks)
 * carry their own columns; admin changes keep decision = 'admin_change', and a trigger fills
 * their tenant, key and request id from the target and details they already record, so every
 * writer of admin rows (present and future) is filterable by tenant and key without knowing it.
 * tenant_policies gets a version, bumped on every PUT, so a decision names the policy version
 * that made it.
 */
export class RequestAuditTrail1764810000000 implements MigrationInterface {
  name = 'RequestAuditTrail1764810000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE audit_log
        ADD COLUMN decision varchar(32) NOT NULL DEFAULT 'admin_change',
        ADD COLUMN tenant_id uuid NULL,
        ADD COLUMN api_key_id uuid NULL,
        ADD COLUMN request_id varchar(128) NULL,
        ADD COLUMN route varchar(64) NULL,
        ADD COLUMN policy_id varchar(64) NULL,
        ADD COLUMN policy_version integer NULL,
        ADD COLUMN model_before varchar(100) NULL,
        ADD COLUMN model_after varchar(100) NULL`);
    await queryRunner.query(`
      CREATE FUNCTION audit_log_fill_admin() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        uuid_re constant text := '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
      BEGIN
        IF NEW.decision <> 'admin_change' THEN
          RETURN NEW;
        END IF;
        IF NEW.tenant_id IS NULL THEN
          IF NEW.target_type = 'tenant' AND NEW.target_id ~ uuid_re THEN
            NEW.tenant_id := NEW.target_id::uuid;
          ELSIF NEW.details->>'tenant_id' ~ uuid_re THEN
            NEW.tenant_id := (NEW.details->>'tenant_id')::uuid;
          END IF;
        END IF;
        IF NEW.api_key_id IS NULL THEN
          IF NEW.target_type = 'api_key' AND NEW.target_id ~ uuid_re THEN
            NEW.api_key_id := NEW.target_id::uuid;
          ELSIF NEW.details->>'api_key_id' ~ uuid_re THEN
            NEW.api_key_id := (NEW.details->>'api_key_id')::uuid;
          END IF;
        END IF;
        IF NEW.request_id IS NULL THEN
          NEW.request_id := left(NEW.details->>'request_id', 128);
        END IF;
        RETURN NEW;
      END
      $$`);
    await queryRunner.query(`
      CREATE TRIGGER audit_log_fill_admin BEFORE INSERT ON audit_log
        FOR EACH ROW EXECUTE FUNCTION audit_log_fill_admin()`);
    // Rows written before this migration: the same rules, once.
    await queryRunner.query(`
      WITH uuid_re AS (SELECT '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'::text AS re)
      UPDATE audit_log SET
        tenant_id = CASE
          WHEN target_type = 'tenant' AND target_id ~ (SELECT re FROM uuid_re) THEN target_id::uuid
          WHEN details->>'tenant_id' ~ (SELECT re FROM uuid_re) THEN (details->>'tenant_id')::uuid
        END,
        api_key_id = CASE
          WHEN target_type = 'api_key' AND target_id ~ (SELECT re FROM uuid_re) THEN target_id::uuid
          WHEN details->>'api_key_id' ~ (SELECT re FROM uuid_re) THEN (details->>'api_key_id')::uuid
        END,
        request_id = left(details->>'request_id', 128)`);
    await queryRunner.query(`DROP INDEX audit_log_time_idx`);
    await queryRunner.query(`CREATE INDEX audit_log_time_id_idx ON audit_log (created_at, id)`);
    await queryRunner.query(
      `CREATE INDEX audit_log_tenant_time_idx ON audit_log (tenant_id, created_at, id) WHERE tenant_id IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX audit_log_key_time_idx ON audit_log (api_key_id, created_at, id) WHERE api_key_id IS NOT NULL`,
    );
    // A decision filter alone (e.g. every admin change, every budget refusal) without a scan.
    await queryRunner.query(
      `CREATE INDEX audit_log_decision_time_idx ON audit_log (decision, created_at, id)`,
    );
    await queryRunner.query(`ALTER TABLE tenant_policies ADD COLUMN version integer NOT NULL DEFAULT 1`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE tenant_policies DROP COLUMN version`);
    await queryRunner.query(`DELETE FROM audit_log WHERE decision <> 'admin_change'`);
    await queryRunner.query(`DROP INDEX audit_log_decision_time_idx`);
    await queryRunner.query(`DROP INDEX audit_log_key_time_idx`);
    await queryRunner.query(`DROP INDEX audit_log_tenant_time_idx`);
    await queryRunner.query(`DROP INDEX audit_log_time_id_idx`);
    await queryRunner.query(`CREATE INDEX audit_log_time_idx ON audit_log (created_at)`);
    await queryRunner.query(`DROP TRIGGER audit_log_fill_admin ON audit_log`);
    await queryRunner.query(`DROP FUNCTION audit_log_fill_admin()`);
    await queryRunner.query(`
      ALTER TABLE audit_log
        DROP COLUMN decision, DROP COLUMN tenant_id, DROP COLUMN api_key_id, DROP COLUMN request_id,
        DROP COLUMN route, DROP COLUMN policy_id, DROP COLUMN policy_version, DROP COLUMN model_before,
        DROP COLUMN model_after`);
  }
}
