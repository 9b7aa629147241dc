import { noSuchResource } from '../common/resource-id';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ErrorCode, GatewayError } from '../common/errors';
import type { AuditDecision } from './audit.types';
import type { AuditQueryDto } from './audit.dto';
import {
  AUDIT_PAGE_DEFAULT,
  auditPage,
  auditPageQuery,
  decodeCursor,
  type AuditFilters,
  type AuditPage,
  type AuditRow,
} from './audit-query';

/** The validated query as filters (the DTO checked the shapes; this checks the range). */
export function auditFilters(query: AuditQueryDto): AuditFilters {
  const from = query.from === undefined ? null : new Date(query.from);
  const to = query.to === undefined ? null : new Date(query.to);
  if (from && to && from.getTime() > to.getTime())
    throw new GatewayError(ErrorCode.ValidationFailed, "Invalid value for 'from': it is after 'to'.", {
      param: 'from',
    });
  return {
    from,
    to,
    tenantId: query.tenant_id?.toLowerCase() ?? null,
    apiKeyId: query.key_id?.toLowerCase() ?? null,
    decisions: query.decision ? (query.decision.split(',') as AuditDecision[]) : null,
    limit: query.limit ?? AUDIT_PAGE_DEFAULT,
    cursor: query.cursor === undefined ? null : decodeCursor(query.cursor),
  };
}

/**
 * Reads the audit trail: gateway decisions and admin changes in one stream, newest first.
 * `scope` is the tenant a tenant admin is confined to (adminTenantScope), null for platform admins.
 */
@Injectable()
export class AuditQueryService {
  constructor(private readonly dataSource: DataSource) {}

  /** GET /admin/audit: every tenant (a platform admin) or the caller's own (a tenant admin). */
  async list(query: AuditQueryDto, scope: string | null): Promise<AuditPage> {
    const filters = auditFilters(query);
    const { sql, params } = auditPageQuery(filters, scope);
    const rows: AuditRow[] = await this.dataSource.query(sql, params);
    return auditPage(rows, filters.limit);
  }

  /**
   * GET /admin/tenants/:id/audit: 404 for a tenant that does not exist and, alike, for one
   * outside the caller's scope (no leak of another tenant's existence).
   */
  async forTenant(tenantId: string, query: AuditQueryDto, scope: string | null): Promise<AuditPage> {
    if (scope !== null && scope !== tenantId) throw noTenant(tenantId);
    const found: unknown[] = await this.dataSource.query(`SELECT 1 FROM tenants WHERE id = $1`, [tenantId]);
    if (found.length === 0) throw noTenant(tenantId);
    return this.list({ ...query, tenant_id: tenantId }, tenantId);
  }
}

function noTenant(id: string): GatewayError {
  return noSuchResource('tenant', id);
}
