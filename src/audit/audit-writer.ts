import type { DataSource } from 'typeorm';
import { pgJson, pgText } from '../database/pg-text';
import type { RequestAuditEvent } from './audit.types';

/** Writes one batch of decisions; rejects when nothing was written (all or nothing). */
export interface AuditWriter {
  write(events: readonly RequestAuditEvent[]): Promise<void>;
}

export const AUDIT_WRITER = Symbol('AUDIT_WRITER');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The event's problem, if it cannot be stored at all (checked when recorded, not at flush). */
export function invalidAuditEvent(event: RequestAuditEvent): string | null {
  if (!UUID.test(event.tenantId)) return 'tenantId is not a UUID';
  if (event.apiKeyId !== null && !UUID.test(event.apiKeyId)) return 'apiKeyId is not a UUID';
  if (!(event.createdAt instanceof Date) || Number.isNaN(event.createdAt.getTime()))
    return 'createdAt is not a date';
  return null;
}

function clip(value: string | null, length: number): string | null {
  return value === null ? null : pgText(value.slice(0, length));
}

/** Column arrays for one INSERT … SELECT FROM unnest(…) (one statement text for any batch size). */
export function auditColumns(events: readonly RequestAuditEvent[]): unknown[][] {
  const n = events.length;
  const cols: unknown[][] = Array.from({ length: 12 }, () => new Array<unknown>(n));
  for (let i = 0; i < n; i++) {
    const e = events[i];
    cols[0][i] = e.createdAt.toISOString();
    cols[1][i] = pgText(e.decision);
    cols[2][i] = e.tenantId;
    cols[3][i] = e.apiKeyId;
    cols[4][i] = clip(e.requestId, 128);
    cols[5][i] = clip(e.route, 64);
    cols[6][i] = clip(e.policyId, 64);
    cols[7][i] =
      e.policyVersion !== null && Number.isInteger(e.policyVersion) && Math.abs(e.policyVersion) < 2 ** 31
        ? e.policyVersion
        : null;
    cols[8][i] = clip(e.modelBefore, 100);
    cols[9][i] = clip(e.modelAfter, 100);
    cols[10][i] = e.details === null ? null : pgJson(e.details);
    cols[11][i] = clip(e.requestId, 64);
  }
  return cols;
}

/** Gateway rows: actor "gateway", action "request.<decision>", target the request. */
export const INSERT_AUDIT_SQL = `
INSERT INTO audit_log (created_at, decision, tenant_id, api_key_id, request_id, route, policy_id, policy_version,
                       model_before, model_after, details, target_id, actor, action, target_type)
SELECT c, d, t, k, r, rt, p, pv, mb, ma, dt::jsonb, tid, 'gateway', 'request.' || d, 'request'
  FROM unnest($1::timestamptz[], $2::varchar[], $3::uuid[], $4::uuid[], $5::varchar[], $6::varchar[],
              $7::varchar[], $8::int4[], $9::varchar[], $10::varchar[], $11::text[], $12::varchar[])
       AS u(c, d, t, k, r, rt, p, pv, mb, ma, dt, tid)`;

export class SqlAuditWriter implements AuditWriter {
  constructor(private readonly dataSource: DataSource) {}

  async write(events: readonly RequestAuditEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.dataSource.query(INSERT_AUDIT_SQL, auditColumns(events));
  }
}
