import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { Gauge } from 'prom-client';
import { AppConfig } from '../../config/app-config';
import { registerCollectedGauge, unregisterGauge } from '../../telemetry/collected-gauge';
import { METRIC } from '../../telemetry/metrics';
import { TenantLabels } from '../../telemetry/tenant-labels';
import { BudgetEnforcerService, type TenantBudgetView } from './budget-enforcer.service';

/**
 * The tenants the budget gauge exports: the `limit` budgets with the least left (the ones an
 * operator must see), so the series count stays bounded however many tenants have budgets.
 */
export function tightestBudgets(views: TenantBudgetView[], limit: number): TenantBudgetView[] {
  if (views.length <= limit) return views;
  return [...views].sort((a, b) => a.remainingRatio - b.remainingRatio).slice(0, limit);
}

/**
 * modelmuxer_budget_remaining_ratio{tenant}: what is left of each tenant budget in its period
 * (1 = untouched, 0 = exhausted), computed when Prometheus scrapes from what the budget enforcer
 * already holds in memory — nothing on the request path, no database call. Bounded: at most
 * METRICS_TENANT_LIMIT tenants, the ones closest to their limit.
 */
@Injectable()
export class BudgetMetrics implements OnModuleInit, OnModuleDestroy {
  private gauge: Gauge<string> | null = null;

  constructor(
    private readonly enforcer: BudgetEnforcerService,
    private readonly labels: TenantLabels,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.gauge = registerCollectedGauge(
      METRIC.budgetRemaining,
      'Remaining fraction of each tenant budget in its current period (1 untouched, 0 exhausted); the METRICS_TENANT_LIMIT tenants closest to their limit',
      ['tenant'],
      (gauge) => this.collect(gauge),
    );
  }

  onModuleDestroy(): void {
    if (this.gauge) unregisterGauge(this.gauge, METRIC.budgetRemaining);
    this.gauge = null;
  }

  private collect(gauge: Gauge<string>): void {
    gauge.reset();
    const limit = this.config.telemetry.tenantLabelLimit;
    for (const view of tightestBudgets(this.enforcer.tenantBudgets(), limit)) {
      gauge.set({ tenant: this.labels.valueOf(view.tenantId, view.tenantName) }, view.remainingRatio);
    }
  }
}
