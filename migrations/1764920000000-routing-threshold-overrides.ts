import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Routing thresholds an admin applied (docs/routing.md "Dynamic thresholds"): at most one row
 * (scope 'platform') holding INTENT_LOW_CONFIDENCE / INTENT_MIN_CONF_FOR_DIRECT and per-label
 * quality floors that replace the env values and routing.yaml's floors on every replica. No row:
 * the env values and routing.yaml as they are. `version` is bumped on every apply (replicas
 * without Redis poll it); each apply is also recorded in audit_log.
 */
export class RoutingThresholdOverrides1764920000000 implements MigrationInterface {
  name = 'RoutingThresholdOverrides1764920000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE routing_threshold_overrides (
        scope varchar(16) PRIMARY KEY CHECK (scope = 'platform'),
        low_confidence double precision NOT NULL CHECK (low_confidence >= 0 AND low_confidence <= 1),
        min_conf_for_direct double precision NOT NULL
          CHECK (min_conf_for_direct >= 0 AND min_conf_for_direct <= 1 AND min_conf_for_direct >= low_confidence),
        quality_floors jsonb NOT NULL DEFAULT '{}',
        version int4 NOT NULL DEFAULT 1,
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by varchar(200) NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE routing_threshold_overrides`);
  }
}
