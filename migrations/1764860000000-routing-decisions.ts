import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The routing decision log (docs/routing.md "Routing lab"): one row per chat request — what
 * routing saw (`inputs`: the exact, versioned inputs of the pure decision, never the prompt text),
 * what it did (`decision`: candidates with eligibility and estimated cost, fallbacks) and what
 * happened (served model, tokens, cost, latency, status). Rows older than
 * DECISION_LOG_RETENTION_DAYS are deleted by the hourly cleanup (created_at index).
 */
export class RoutingDecisions1764860000000 implements MigrationInterface {
  name = 'RoutingDecisions1764860000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE routing_decisions (
        id bigserial PRIMARY KEY,
        created_at timestamptz NOT NULL,
        request_id varchar(128) NOT NULL,
        tenant_id uuid NOT NULL,
        input_version int2 NOT NULL,
        inputs jsonb NOT NULL,
        intent varchar(16),
        kind varchar(16),
        target_provider varchar(16),
        target_model varchar(100),
        budget_downgraded boolean NOT NULL DEFAULT false,
        decision jsonb NOT NULL,
        served_provider varchar(16),
        served_model varchar(100),
        attempts int2 NOT NULL DEFAULT 0,
        prompt_tokens int4 NOT NULL DEFAULT 0,
        completion_tokens int4 NOT NULL DEFAULT 0,
        cached_tokens int4 NOT NULL DEFAULT 0,
        cost_nano int8 NOT NULL DEFAULT 0,
        latency_ms int4 NOT NULL DEFAULT 0,
        status int2 NOT NULL,
        cache_hit boolean NOT NULL DEFAULT false,
        prompt_hash bytea
      )`);
    await queryRunner.query(`CREATE INDEX routing_decisions_created_idx ON routing_decisions (created_at)`);
    await queryRunner.query(
      `CREATE INDEX routing_decisions_tenant_created_idx ON routing_decisions (tenant_id, created_at)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE routing_decisions`);
  }
}
