import { Module } from '@nestjs/common';
import { BillingModule } from '../billing/billing.module';
import { AdminKeysController } from './admin-keys.controller';
import { AdminTenantsController } from './admin-tenants.controller';
import { PlatformAdminKeysController } from './platform-admin-keys.controller';
import { UsageReportController } from './usage-report.controller';

/** The admin API over tenants, keys, budgets, usage and platform admin keys (every mode). */
@Module({
  imports: [BillingModule],
  controllers: [
    AdminTenantsController,
    AdminKeysController,
    PlatformAdminKeysController,
    UsageReportController,
  ],
})
export class AdminModule {}
