import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RedisModule } from '../redis/redis.module';
import { TelemetryModule } from '../telemetry/telemetry.module';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { API_KEY_RESOLVER } from '../auth/auth.types';
import { AdminService } from './admin/admin.service';
import { BudgetListService } from './admin/budget-list.service';
import { PlatformAdminKeysService } from './admin/platform-admin-keys.service';
import { BUDGET_ENFORCER, USAGE_RECORDER } from './billing.types';
import { BudgetEnforcerService } from './budgets/budget-enforcer.service';
import { BudgetMetrics } from './budgets/budget-metrics';
import { OutputEstimatorService } from './budgets/output-estimator.service';
import { BILLING_ENTITIES } from './entities';
import { BillingEventsService } from './events/billing-events.service';
import { DatabaseApiKeyResolver } from './keys/api-key-resolver.service';
import { DashboardQueryService } from './usage/dashboard-query.service';
import { UsageQueryService } from './usage/usage-query.service';
import { UsageReportService } from './usage/usage-report.service';
import { UsageRecorderService } from './usage/usage-recorder.service';
import { SqlUsageWriter, USAGE_WRITER } from './usage/usage-writer';

/**
 * Billing and tenancy: database API keys (API_KEY_RESOLVER), budgets (BUDGET_ENFORCER), usage
 * recording (USAGE_RECORDER), the usage query and the admin service (its controllers: admin/). Needs DatabaseModule
 * and AppConfigModule (global infrastructure); imports RedisModule and TelemetryModule. Not global:
 * the modules that use it import it (chat, admin, policy; auth gets the key resolver from
 * AuthModule.forRoot).
 */
@Module({
  imports: [TypeOrmModule.forFeature(BILLING_ENTITIES), RedisModule, TelemetryModule],
  providers: [
    BillingEventsService,
    DatabaseApiKeyResolver,
    BudgetEnforcerService,
    BudgetMetrics,
    OutputEstimatorService,
    UsageRecorderService,
    UsageQueryService,
    UsageReportService,
    DashboardQueryService,
    BudgetListService,
    AdminService,
    PlatformAdminKeysService,
    {
      provide: USAGE_WRITER,
      inject: [DataSource, AppConfig],
      useFactory: (dataSource: DataSource, config: AppConfig) =>
        new SqlUsageWriter(dataSource, config.databasePreparedStatements),
    },
    { provide: API_KEY_RESOLVER, useExisting: DatabaseApiKeyResolver },
    { provide: BUDGET_ENFORCER, useExisting: BudgetEnforcerService },
    { provide: USAGE_RECORDER, useExisting: UsageRecorderService },
  ],
  exports: [
    API_KEY_RESOLVER,
    BUDGET_ENFORCER,
    USAGE_RECORDER,
    DatabaseApiKeyResolver,
    BudgetEnforcerService,
    OutputEstimatorService,
    UsageRecorderService,
    UsageQueryService,
    UsageReportService,
    DashboardQueryService,
    BudgetListService,
    BillingEventsService,
    AdminService,
    PlatformAdminKeysService,
  ],
})
export class BillingModule {}
