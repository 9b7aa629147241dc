import { reportTotalsResponse, type ReportTotalsResponse } from './usage-report.responses';
import type { AdminKeyEntity, ApiKeyEntity, BudgetEntity, TenantEntity } from '../entities';
import type { UsageGroup, UsageReport } from '../usage/usage-query';

/**
 * What the admin API returns. Entities never leave the service layer as they are: these shapes
 * are the API, and they never contain a key digest; the key itself appears only in the response
 * to its creation.
 */
const NANO = 1_000_000_000;
/** nano-USD → USD for display: exact integer arithmetic first, one division at the end. */
const usd = (nano: number) => nano / NANO;
const iso = (date: Date | null) => (date === null ? null : date.toISOString());

export interface TenantResponse {
  id: string;
  object: 'tenant';
  name: string;
  status: 'active' | 'suspended';
  rate_limit_rpm: number | null;
  created_at: string;
  updated_at: string;
}

export function tenantResponse(tenant: TenantEntity): TenantResponse {
  return {
    id: tenant.id,
    object: 'tenant',
    name: tenant.name,
    status: tenant.status,
    rate_limit_rpm: tenant.rateLimitRpm,
    created_at: tenant.createdAt.toISOString(),
    updated_at: tenant.updatedAt.toISOString(),
  };
}

export interface ApiKeyResponse {
  id: string;
  object: 'api_key';
  tenant_id: string;
  name: string;
  role: 'client' | 'tenant_admin';
  prefix: string;
  status: 'active' | 'revoked';
  expires_at: string | null;
  last_used_at: string | null;
  created_at: string;
  revoked_at: string | null;
}

export function apiKeyResponse(key: ApiKeyEntity): ApiKeyResponse {
  return {
    id: key.id,
    object: 'api_key',
    tenant_id: key.tenantId,
    name: key.name,
    role: key.role,
    prefix: key.prefix,
    status: key.status,
    expires_at: iso(key.expiresAt),
    last_used_at: iso(key.lastUsedAt),
    created_at: key.createdAt.toISOString(),
    revoked_at: iso(key.revokedAt),
  };
}

/** The one response that carries the key. */
export function createdKeyResponse(key: ApiKeyEntity, plaintext: string): ApiKeyResponse & { key: string } {
  return { ...apiKeyResponse(key), key: plaintext };
}

export interface AdminKeyResponse {
  id: string;
  object: 'admin_key';
  role: 'platform_admin';
  name: string;
  prefix: string;
  status: 'active' | 'revoked';
  expires_at: string | null;
  last_used_at: string | null;
  created_by: string;
  created_at: string;
  revoked_at: string | null;
}

export function adminKeyResponse(key: AdminKeyEntity): AdminKeyResponse {
  return {
    id: key.id,
    object: 'admin_key',
    role: 'platform_admin',
    name: key.name,
    prefix: key.prefix,
    status: key.status,
    expires_at: iso(key.expiresAt),
    last_used_at: iso(key.lastUsedAt),
    created_by: key.createdBy,
    created_at: key.createdAt.toISOString(),
    revoked_at: iso(key.revokedAt),
  };
}

export interface BudgetSnapshot {
  budget: BudgetEntity;
  periodStart: Date;
  periodEnd: Date | null;
  spentNano: number;
  reservedNano: number;
}

export interface BudgetResponse {
  id: string;
  object: 'budget';
  scope: 'tenant' | 'key';
  tenant_id: string;
  api_key_id: string | null;
  period: string;
  limit_usd: number;
  soft_limit_ratio: number;
  action: 'downgrade' | 'alert';
  managed_by: 'admin' | 'config';
  period_start: string;
  period_end: string | null;
  spent_usd: number;
  reserved_usd: number;
  remaining_usd: number;
  updated_at: string;
}

export function budgetResponse(snapshot: BudgetSnapshot): BudgetResponse {
  const { budget } = snapshot;
  const remaining = Math.max(0, budget.limitNano - snapshot.spentNano - snapshot.reservedNano);
  return {
    id: budget.id,
    object: 'budget',
    scope: budget.apiKeyId === null ? 'tenant' : 'key',
    tenant_id: budget.tenantId,
    api_key_id: budget.apiKeyId,
    period: budget.period,
    limit_usd: usd(budget.limitNano),
    soft_limit_ratio: budget.softLimitRatio,
    action: budget.softAction,
    managed_by: budget.managedBy,
    period_start: snapshot.periodStart.toISOString(),
    period_end: iso(snapshot.periodEnd),
    spent_usd: usd(snapshot.spentNano),
    reserved_usd: usd(snapshot.reservedNano),
    remaining_usd: usd(remaining),
    updated_at: budget.updatedAt.toISOString(),
  };
}

export interface UsageResponse {
  object: 'usage';
  tenant_id: string;
  from: string;
  to: string;
  group_by: string | null;
  totals: ReportTotalsResponse;
  groups: Array<ReportTotalsResponse & { key: string | null }>;
}

export function usageResponse(report: UsageReport): UsageResponse {
  return {
    object: 'usage',
    tenant_id: report.tenantId,
    from: report.from.toISOString(),
    to: report.to.toISOString(),
    group_by: report.groupBy,
    totals: reportTotalsResponse(report.totals),
    groups: report.groups.map((group: UsageGroup) => ({ key: group.key, ...reportTotalsResponse(group) })),
  };
}

export interface ListResponse<T> {
  object: 'list';
  data: T[];
}

export function listResponse<T>(data: T[]): ListResponse<T> {
  return { object: 'list', data };
}
