import type { MixedList } from 'typeorm';
import { InitialSchema1764150000000 } from './1764150000000-initial-schema';
import { BudgetsAndUsageRollups1764400000000 } from './1764400000000-budgets-and-usage-rollups';
import { TenantPolicies1764500000000 } from './1764500000000-tenant-policies';
import { BudgetHolds1764600000000 } from './1764600000000-budget-holds';
import { SemanticCache1764750000000 } from './1764750000000-semantic-cache';
import { AdminRoles1764800000000 } from './1764800000000-admin-roles';
import { RequestAuditTrail1764810000000 } from './1764810000000-request-audit-trail';
import { UsageEstimatedPricing1764840000000 } from './1764840000000-usage-estimated-pricing';
import { UsageReportRollups1764820000000 } from './1764820000000-usage-report-rollups';
import { UsageReportCompactRollups1764820000001 } from './1764820000001-usage-report-compact-rollups';
import { RoutingDecisions1764860000000 } from './1764860000000-routing-decisions';
import { RollupEstimatedPricing1764870000000 } from './1764870000000-rollup-estimated-pricing';
import { UsageReportNarrowRollups1764880000000 } from './1764880000000-usage-report-narrow-rollups';
import { RoutingExperiments1764890000000 } from './1764890000000-routing-experiments';
import { RoutingShadow1764900000000 } from './1764900000000-routing-shadow';
import { DashboardRollups1764910000000 } from './1764910000000-dashboard-rollups';
import { RoutingThresholdOverrides1764920000000 } from './1764920000000-routing-threshold-overrides';
import { UsageRollupQueue1764930000000 } from './1764930000000-usage-rollup-queue';

/** Every migration, in order. Listed explicitly so that ts-jest and the compiled build agree. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const MIGRATIONS: MixedList<Function> = [
  InitialSchema1764150000000,
  BudgetsAndUsageRollups1764400000000,
  TenantPolicies1764500000000,
  BudgetHolds1764600000000,
  SemanticCache1764750000000,
  AdminRoles1764800000000,
  RequestAuditTrail1764810000000,
  UsageReportRollups1764820000000,
  UsageReportCompactRollups1764820000001,
  UsageEstimatedPricing1764840000000,
  RoutingDecisions1764860000000,
  RollupEstimatedPricing1764870000000,
  UsageReportNarrowRollups1764880000000,
  RoutingExperiments1764890000000,
  RoutingShadow1764900000000,
  DashboardRollups1764910000000,
  RoutingThresholdOverrides1764920000000,
  UsageRollupQueue1764930000000,
];
