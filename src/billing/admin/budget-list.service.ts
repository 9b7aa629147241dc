import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { BudgetPeriod } from '../../config/app-config';
import { budgetForecastNano } from '../budgets/budget-forecast';
import { periodEnd, periodStart } from '../budgets/budget-period';
import { BudgetEntity } from '../entities';
import type { BudgetSnapshot } from './admin.responses';

/** The most budgets one list returns (`has_more` says when there are more). */
export const MAX_BUDGET_LIST = 5_000;

export interface ListedBudget extends BudgetSnapshot {
  tenantName: string;
  keyName: string | null;
  forecastNano: number | null;
}

interface BudgetListRow {
  id: string;
  tenant_id: string;
  api_key_id: string | null;
  tenant_name: string;
  key_name: string | null;
  period: BudgetPeriod;
  limit_nano: string | number;
  soft_limit_ratio: number | string;
  soft_action: BudgetEntity['softAction'];
  managed_by: BudgetEntity['managedBy'];
  created_at: Date | string;
  updated_at: Date | string;
  spent_nano: string | number | null;
  reserved_nano: string | number | null;
}

/**
 * GET /admin/budgets: every budget (tenant and key budgets) with its current period's counter, in
 * ONE statement (the dashboard's Budgets page: one request, whatever the number of tenants).
 * `scopeTenantId` confines a tenant admin to its tenant.
 */
@Injectable()
export class BudgetListService {
  constructor(private readonly dataSource: DataSource) {}

  async list(
    scopeTenantId: string | null,
    nowMs: number = Date.now(),
  ): Promise<{ budgets: ListedBudget[]; hasMore: boolean }> {
    const starts = (['daily', 'weekly', 'monthly', 'total'] as const).map((p) =>
      new Date(periodStart(p, nowMs)).toISOString(),
    );
    const rows: BudgetListRow[] = await this.dataSource.query(
      `SELECT b.id, b.tenant_id, b.api_key_id, t.name AS tenant_name, k.name AS key_name, b.period, b.limit_nano,
              b.soft_limit_ratio, b.soft_action, b.managed_by, b.created_at, b.updated_at,
              c.spent_nano, c.reserved_nano
         FROM budgets b
         JOIN tenants t ON t.id = b.tenant_id
         LEFT JOIN api_keys k ON k.id = b.api_key_id
         LEFT JOIN budget_counters c ON c.budget_id = b.id AND c.period_start =
              CASE b.period WHEN 'daily' THEN $1::timestamptz WHEN 'weekly' THEN $2::timestamptz
                            WHEN 'monthly' THEN $3::timestamptz ELSE $4::timestamptz END
        WHERE ($5::uuid IS NULL OR b.tenant_id = $5::uuid)
        ORDER BY t.name, t.id, b.api_key_id NULLS FIRST, k.name
        LIMIT ${MAX_BUDGET_LIST + 1}`,
      [...starts, scopeTenantId],
    );
    const budgets = rows.slice(0, MAX_BUDGET_LIST).map((row) => listedBudget(row, nowMs));
    return { budgets, hasMore: rows.length > MAX_BUDGET_LIST };
  }
}

function listedBudget(row: BudgetListRow, nowMs: number): ListedBudget {
  const budget = Object.assign(new BudgetEntity(), {
    id: row.id,
    tenantId: row.tenant_id,
    apiKeyId: row.api_key_id,
    period: row.period,
    limitNano: Number(row.limit_nano),
    softLimitRatio: Number(row.soft_limit_ratio),
    softAction: row.soft_action,
    managedBy: row.managed_by,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  });
  const start = periodStart(row.period, nowMs);
  const end = periodEnd(row.period, start);
  const spentNano = Number(row.spent_nano ?? 0);
  return {
    budget,
    periodStart: new Date(start),
    periodEnd: end === null ? null : new Date(end),
    spentNano,
    reservedNano: Number(row.reserved_nano ?? 0),
    tenantName: row.tenant_name,
    keyName: row.key_name,
    forecastNano: budgetForecastNano(spentNano, start, end, nowMs),
  };
}
