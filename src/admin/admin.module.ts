import { Module } from '@nestjs/common';
import { BillingModule } from '../billing/billing.module';
import { RoutingModule } from '../routing/routing.module';
import { AdminKeysController } from './admin-keys.controller';
import { AdminTenantsController } from './admin-tenants.controller';
import { DashboardReportsController } from './dashboard-reports.controller';
import { PlatformAdminKeysController } from './platform-admin-keys.controller';
import { UsageReportController } from './usage-report.controller';

/**
 * The admin API over tenants, keys, budgets, usage and platform admin keys, and the dashboard's
 * reports (every mode).
 */
@Module({
  imports: [BillingModule, RoutingModule],
  controllers: [
    AdminTenantsController,
    AdminKeysController,
    PlatformAdminKeysController,
    UsageReportController,
    DashboardReportsController,
  ],
})
export class AdminModule {}
