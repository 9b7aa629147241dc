import type { DataSource } from 'typeorm';
import { pgJson, pgText } from '../../database/pg-text';
import type { ShadowResult } from './shadow.types';
import { deleteOlderThan } from '../lab/retention';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function text(value: string | null, max: number): string | null {
  return value === null ? null : pgText(value.slice(0, max));
}

function int8(value: number): number {
  return Number.isFinite(value) ? Math.max(0, Math.round(value)) : 0;
}

function real(value: number): number {
  return Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0;
}

/** Whether the row can be stored at all (checked when queued, not at flush). */
export function validShadowResult(result: ShadowResult): boolean {
  return UUID.test(result.tenantId) && !Number.isNaN(result.createdAt.getTime());
}

/** Column arrays for one INSERT … SELECT FROM unnest(…), clamped to the column types. */
export function shadowColumns(results: readonly ShadowResult[]): unknown[][] {
  const n = results.length;
  const cols: unknown[][] = Array.from({ length: 12 }, () => new Array<unknown>(n));
  for (let i = 0; i < n; i++) {
    const r = results[i];
    cols[0][i] = r.createdAt.toISOString();
    cols[1][i] = pgText(r.requestId.slice(0, 128));
    cols[2][i] = r.tenantId;
    cols[3][i] = text(r.liveLabel, 16);
    cols[4][i] = text(r.shadowLabel, 16);
    cols[5][i] = real(r.liveConfidence);
    cols[6][i] = real(r.shadowConfidence);
    cols[7][i] = text(r.liveModel, 100);
    cols[8][i] = text(r.shadowModel, 100);
    cols[9][i] = int8(r.liveCostNano);
    cols[10][i] = int8(r.shadowCostNano);
    cols[11][i] = r.shadowRequest ? pgJson(r.shadowRequest) : null;
  }
  return cols;
}

export const INSERT_SHADOW_SQL = `
INSERT INTO routing_shadow_results (created_at, request_id, tenant_id, live_label, shadow_label,
                                    live_confidence, shadow_confidence, live_model, shadow_model,
                                    live_cost_nano, shadow_cost_nano, shadow_request)
SELECT * FROM unnest($1::timestamptz[], $2::varchar[], $3::uuid[], $4::varchar[], $5::varchar[],
                     $6::real[], $7::real[], $8::varchar[], $9::varchar[], $10::int8[], $11::int8[],
                     $12::jsonb[])`;

export async function writeShadowResults(
  dataSource: DataSource,
  results: readonly ShadowResult[],
): Promise<void> {
  if (results.length === 0) return;
  await dataSource.query(INSERT_SHADOW_SQL, shadowColumns(results));
}

/** Deletes rows older than the retention (deleteOlderThan), resolving to the number deleted. */
export function deleteExpiredShadowResults(dataSource: DataSource, retentionDays: number): Promise<number> {
  return deleteOlderThan(dataSource, 'routing_shadow_results', retentionDays);
}
