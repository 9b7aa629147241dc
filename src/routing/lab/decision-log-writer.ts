import type { DataSource } from 'typeorm';
import { pgJson } from '../../database/pg-text';
import { DECISION_INPUT_VERSION, type DecisionRecord } from './decision-record';
import { deleteOlderThan } from './retention';

/** Writes one batch of decisions; rejects when nothing was written (all or nothing). */
export interface DecisionLogWriter {
  write(records: readonly DecisionRecord[]): Promise<void>;
}

const INT4_MAX = 2_147_483_647;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function int4(value: number): number {
  return Number.isFinite(value) ? Math.min(INT4_MAX, Math.max(0, Math.round(value))) : 0;
}

function int8(value: number): number {
  return Number.isFinite(value) ? Math.max(0, Math.round(value)) : 0;
}

function text(value: string | null, max: number): string | null {
  return value === null ? null : value.slice(0, max);
}

/** The record's problem, if it cannot be stored at all (checked when recorded, not at flush). */
export function invalidDecisionRecord(record: DecisionRecord): string | null {
  if (!UUID.test(record.tenantId)) return 'tenantId is not a UUID';
  if (!(record.createdAt instanceof Date) || Number.isNaN(record.createdAt.getTime()))
    return 'createdAt is not a date';
  return null;
}

/**
 * One batch as ONE JSON document (an array of rows keyed by column, clamped to the column types)
 * for INSERT … SELECT FROM json_to_recordset($1). The logged inputs and decision are nested as
 * objects, so the batch is serialized once by JSON.stringify; the earlier form (one Postgres
 * array per column, jsonb values as strings) had pg escape every quote of every JSON string
 * again — ≈ 25 µs of CPU per request in a profile of the gateway under load.
 */
export function decisionRowsJson(records: readonly DecisionRecord[]): string {
  const rows = new Array<Record<string, unknown>>(records.length);
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    const experiment = r.experimentId !== null && UUID.test(r.experimentId);
    rows[i] = {
      created_at: r.createdAt.toISOString(),
      request_id: r.requestId.slice(0, 128),
      tenant_id: r.tenantId,
      input_version: DECISION_INPUT_VERSION,
      inputs: r.inputs,
      intent: text(r.intent, 16),
      kind: text(r.kind, 16),
      target_provider: text(r.targetProvider, 16),
      target_model: text(r.targetModel, 100),
      budget_downgraded: r.budgetDowngraded,
      decision: r.decision,
      served_provider: text(r.servedProvider, 16),
      served_model: text(r.servedModel, 100),
      attempts: Math.min(32_767, int4(r.attempts)),
      prompt_tokens: int4(r.promptTokens),
      completion_tokens: int4(r.completionTokens),
      cached_tokens: int4(r.cachedTokens),
      cost_nano: int8(r.costNano),
      latency_ms: int4(r.latencyMs),
      status: Math.min(999, Math.max(0, Math.round(r.status) || 0)),
      cache_hit: r.cacheHit,
      prompt_hash: r.promptHash ? r.promptHash.toString('hex') : null,
      experiment_id: experiment ? r.experimentId : null,
      experiment_arm: r.experimentId !== null ? text(r.experimentArm, 32) : null,
    };
  }
  return pgJson(rows);
}

/** The prompt hash travels as hex text (bytea is not portable across the two drivers). */
export const INSERT_DECISIONS_SQL = `
INSERT INTO routing_decisions (created_at, request_id, tenant_id, input_version, inputs, intent, kind,
                               target_provider, target_model, budget_downgraded, decision, served_provider,
                               served_model, attempts, prompt_tokens, completion_tokens, cached_tokens,
                               cost_nano, latency_ms, status, cache_hit, prompt_hash, experiment_id, experiment_arm)
SELECT created_at, request_id, tenant_id, input_version, inputs, intent, kind, target_provider, target_model,
       budget_downgraded, decision, served_provider, served_model, attempts, prompt_tokens, completion_tokens,
       cached_tokens, cost_nano, latency_ms, status, cache_hit, decode(prompt_hash, 'hex'), experiment_id,
       experiment_arm
  FROM json_to_recordset($1::json) AS t(created_at timestamptz, request_id varchar, tenant_id uuid,
       input_version int2, inputs jsonb, intent varchar, kind varchar, target_provider varchar,
       target_model varchar, budget_downgraded bool, decision jsonb, served_provider varchar,
       served_model varchar, attempts int2, prompt_tokens int4, completion_tokens int4, cached_tokens int4,
       cost_nano int8, latency_ms int4, status int2, cache_hit bool, prompt_hash text, experiment_id uuid,
       experiment_arm varchar)`;

export class SqlDecisionLogWriter implements DecisionLogWriter {
  constructor(private readonly dataSource: DataSource) {}

  async write(records: readonly DecisionRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.dataSource.query(INSERT_DECISIONS_SQL, [decisionRowsJson(records)]);
  }
}

/** Deletes rows older than the retention (deleteOlderThan), resolving to the number deleted. */
export function deleteExpiredDecisions(dataSource: DataSource, retentionDays: number): Promise<number> {
  return deleteOlderThan(dataSource, 'routing_decisions', retentionDays);
}
