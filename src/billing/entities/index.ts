import { AdminKeyEntity } from './admin-key.entity';
import { ApiKeyEntity } from './api-key.entity';
import { AuditLogEntity } from './audit-log.entity';
import { BudgetCounterEntity, BudgetEntity } from './budget.entity';
import { TenantEntity } from './tenant.entity';
import { UsageDailyEntity, UsageRecordEntity } from './usage-record.entity';

export {
  AdminKeyEntity,
  ApiKeyEntity,
  AuditLogEntity,
  BudgetCounterEntity,
  BudgetEntity,
  TenantEntity,
  UsageDailyEntity,
  UsageRecordEntity,
};

/** Every billing entity (registered with TypeOrmModule.forFeature by BillingModule). */
export const BILLING_ENTITIES = [
  TenantEntity,
  ApiKeyEntity,
  AdminKeyEntity,
  BudgetEntity,
  BudgetCounterEntity,
  UsageRecordEntity,
  UsageDailyEntity,
  AuditLogEntity,
];
