import { Module } from '@nestjs/common';
import { BillingModule } from '../billing/billing.module';
import { AdminKeysController } from './admin-keys.controller';
import { AdminTenantsController } from './admin-tenants.controller';
import { UsageReportController } from './usage-report.controller';

/** The admin API over tenants, keys, budgets and usage (ADMIN_API_KEY; every mode). */
@Module({
  imports: [BillingModule],
  controllers: [AdminTenantsController, AdminKeysController, UsageReportController],
})
export class AdminModule {}
