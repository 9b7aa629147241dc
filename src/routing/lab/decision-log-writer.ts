import type { DataSource } from 'typeorm';
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

/** Column arrays for one INSERT … SELECT FROM unnest(…), clamped to the column types. */
export function decisionColumns(records: readonly DecisionRecord[]): unknown[][] {
  const n = records.length;
  const cols: unknown[][] = Array.from({ length: 24 }, () => new Array<unknown>(n));
  for (let i = 0; i < n; i++) {
    const r = records[i];
    cols[0][i] = r.createdAt.toISOString();
    cols[1][i] = r.requestId.slice(0, 128);
    cols[2][i] = r.tenantId;
    cols[3][i] = DECISION_INPUT_VERSION;
    cols[4][i] = JSON.stringify(r.inputs);
    cols[5][i] = text(r.intent, 16);
    cols[6][i] = text(r.kind, 16);
    cols[7][i] = text(r.targetProvider, 16);
    cols[8][i] = text(r.targetModel, 100);
    cols[9][i] = r.budgetDowngraded;
    cols[10][i] = JSON.stringify(r.decision);
    cols[11][i] = text(r.servedProvider, 16);
    cols[12][i] = text(r.servedModel, 100);
    cols[13][i] = Math.min(32_767, int4(r.attempts));
    cols[14][i] = int4(r.promptTokens);
    cols[15][i] = int4(r.completionTokens);
    cols[16][i] = int4(r.cachedTokens);
    cols[17][i] = int8(r.costNano);
    cols[18][i] = int4(r.latencyMs);
    cols[19][i] = Math.min(999, Math.max(0, Math.round(r.status) || 0));
    cols[20][i] = r.cacheHit;
    cols[21][i] = r.promptHash ? r.promptHash.toString('hex') : null;
    cols[22][i] = r.experimentId !== null && UUID.test(r.experimentId) ? r.experimentId : null;
    cols[23][i] = r.experimentId !== null ? text(r.experimentArm, 32) : null;
  }
  return cols;
}

/** The prompt hash travels as hex text (bytea arrays are not portable across the two drivers). */
export const INSERT_DECISIONS_SQL = `
INSERT INTO routing_decisions (created_at, request_id, tenant_id, input_version, inputs, intent, kind,
                               target_provider, target_model, budget_downgraded, decision, served_provider,
                               served_model, attempts, prompt_tokens, completion_tokens, cached_tokens,
                               cost_nano, latency_ms, status, cache_hit, prompt_hash, experiment_id, experiment_arm)
SELECT c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13, c14, c15, c16, c17, c18, c19, c20, c21, decode(c22, 'hex'),
       c23, c24
  FROM unnest($1::timestamptz[], $2::varchar[], $3::uuid[], $4::int2[], $5::jsonb[], $6::varchar[],
              $7::varchar[], $8::varchar[], $9::varchar[], $10::bool[], $11::jsonb[], $12::varchar[],
              $13::varchar[], $14::int2[], $15::int4[], $16::int4[], $17::int4[], $18::int8[],
              $19::int4[], $20::int2[], $21::bool[], $22::text[], $23::uuid[], $24::varchar[])
    AS t(c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13, c14, c15, c16, c17, c18, c19, c20, c21, c22,
         c23, c24)`;

export class SqlDecisionLogWriter implements DecisionLogWriter {
  constructor(private readonly dataSource: DataSource) {}

  async write(records: readonly DecisionRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.dataSource.query(INSERT_DECISIONS_SQL, decisionColumns(records));
  }
}

/** Deletes rows older than the retention (deleteOlderThan), resolving to the number deleted. */
export function deleteExpiredDecisions(dataSource: DataSource, retentionDays: number): Promise<number> {
  return deleteOlderThan(dataSource, 'routing_decisions', retentionDays);
}
