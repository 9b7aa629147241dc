import { ErrorCode, GatewayError } from '../common/errors';
import type { AuditDecision } from './audit.types';

/** Most rows in one page (JSON or CSV). */
export const AUDIT_PAGE_MAX = 1_000;
export const AUDIT_PAGE_DEFAULT = 100;

/** Where a page ends: the (created_at in µs since the epoch, id) of its last row. */
export interface AuditCursor {
  createdUs: number;
  id: number;
}

export interface AuditFilters {
  /** Inclusive. */
  from: Date | null;
  /** Exclusive. */
  to: Date | null;
  tenantId: string | null;
  apiKeyId: string | null;
  decisions: readonly AuditDecision[] | null;
  limit: number;
  cursor: AuditCursor | null;
}

/** A row of audit_log as the query selects it. */
export interface AuditRow {
  id: number | string;
  created_us: number | string;
  created_at: Date | string;
  decision: string;
  tenant_id: string | null;
  api_key_id: string | null;
  request_id: string | null;
  route: string | null;
  policy_id: string | null;
  policy_version: number | null;
  model_before: string | null;
  model_after: string | null;
  actor: string;
  action: string;
  target_type: string;
  target_id: string | null;
  details: Record<string, unknown> | null;
}

/** One entry of GET /admin/audit: the row with its id as text and its time as ISO 8601. */
export type AuditEntry = Omit<AuditRow, 'id' | 'created_us' | 'created_at'> & {
  id: string;
  created_at: string;
};

export const AUDIT_ENTRY_FIELDS: ReadonlyArray<keyof AuditEntry> = [
  'id',
  'created_at',
  'decision',
  'tenant_id',
  'api_key_id',
  'request_id',
  'route',
  'policy_id',
  'policy_version',
  'model_before',
  'model_after',
  'actor',
  'action',
  'target_type',
  'target_id',
  'details',
];

/* ---------------------------------------------------------------- cursor */

/** Opaque to clients: base64url of "<µs>.<id>". */
export function encodeCursor(cursor: AuditCursor): string {
  return Buffer.from(`${cursor.createdUs}.${cursor.id}`, 'utf8').toString('base64url');
}

/** The cursor a client sent back, or a 400 naming `cursor`. */
export function decodeCursor(text: string): AuditCursor {
  const decoded = /^[A-Za-z0-9_-]{1,64}$/.test(text) ? Buffer.from(text, 'base64url').toString('utf8') : '';
  const match = /^(\d{1,17})\.(\d{1,18})$/.exec(decoded);
  const createdUs = match ? Number(match[1]) : NaN;
  const id = match ? Number(match[2]) : NaN;
  if (!Number.isSafeInteger(createdUs) || !Number.isSafeInteger(id)) {
    throw new GatewayError(
      ErrorCode.ValidationFailed,
      "Invalid value for 'cursor': pass the next_cursor of a previous page unchanged.",
      { param: 'cursor' },
    );
  }
  return { createdUs, id };
}

/* ---------------------------------------------------------------- query */

/**
 * The SQL of one page, newest first, keyset-paginated on (created_at, id). `scope` confines a
 * tenant admin to its tenant: non-null, it replaces whatever tenant filter was asked for (the
 * per-tenant route has already answered 404 for another tenant).
 */
export function auditPageQuery(
  filters: AuditFilters,
  scope: string | null,
): { sql: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  const tenantId = scope ?? filters.tenantId;
  if (tenantId !== null) where.push(`tenant_id = ${param(tenantId)}::uuid`);
  if (filters.apiKeyId !== null) where.push(`api_key_id = ${param(filters.apiKeyId)}::uuid`);
  if (filters.decisions !== null && filters.decisions.length > 0)
    where.push(`decision = ANY(${param([...filters.decisions])}::varchar[])`);
  if (filters.from !== null) where.push(`created_at >= ${param(filters.from.toISOString())}::timestamptz`);
  if (filters.to !== null) where.push(`created_at < ${param(filters.to.toISOString())}::timestamptz`);
  if (filters.cursor !== null) {
    const at = `(timestamptz 'epoch' + ${param(filters.cursor.createdUs)}::int8 * interval '1 microsecond')`;
    where.push(`(created_at, id) < (${at}, ${param(filters.cursor.id)}::int8)`);
  }
  const sql = `
SELECT id, (extract(epoch FROM created_at) * 1000000)::int8 AS created_us, created_at, decision, tenant_id,
       api_key_id, request_id, route, policy_id, policy_version, model_before, model_after, actor, action,
       target_type, target_id, details
  FROM audit_log${where.length > 0 ? `\n WHERE ${where.join('\n   AND ')}` : ''}
 ORDER BY created_at DESC, id DESC
 LIMIT ${param(Math.min(AUDIT_PAGE_MAX, Math.max(1, Math.floor(filters.limit))) + 1)}`;
  return { sql, params };
}

export function auditEntry(row: AuditRow): AuditEntry {
  return {
    id: String(row.id),
    created_at: new Date(row.created_at).toISOString(),
    decision: row.decision,
    tenant_id: row.tenant_id,
    api_key_id: row.api_key_id,
    request_id: row.request_id,
    route: row.route,
    policy_id: row.policy_id,
    policy_version: row.policy_version,
    model_before: row.model_before,
    model_after: row.model_after,
    actor: row.actor,
    action: row.action,
    target_type: row.target_type,
    target_id: row.target_id,
    details: row.details,
  };
}

export interface AuditPage {
  object: 'list';
  data: AuditEntry[];
  has_more: boolean;
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  next_cursor: string | null;
}

/** The page from the rows of auditPageQuery (one more than the limit when there is more). */
export function auditPage(rows: readonly AuditRow[], limit: number): AuditPage {
  const hasMore = rows.length > limit;
  const kept = hasMore ? rows.slice(0, limit) : rows;
  const last = kept[kept.length - 1];
  return {
    object: 'list',
    data: kept.map(auditEntry),
    has_more: hasMore,
    next_cursor:
      hasMore && last ? encodeCursor({ createdUs: Number(last.created_us), id: Number(last.id) }) : null,
  };
}

/* ---------------------------------------------------------------- CSV */

/**
 * One CSV field (RFC 4180): quoted when it holds a quote, comma or line break, quotes doubled.
 * A text that a spreadsheet would run as a formula (= + - @ tab CR first) is prefixed with a
 * quote mark. `details` is its JSON text; null is an empty field.
 */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The page as CSV: a header line, then one line per entry (CRLF line ends). */
export function auditCsv(entries: readonly AuditEntry[]): string {
  const lines = [AUDIT_ENTRY_FIELDS.join(',')];
  for (const entry of entries)
    lines.push(AUDIT_ENTRY_FIELDS.map((field) => csvField(entry[field])).join(','));
  return lines.join('\r\n') + '\r\n';
}
