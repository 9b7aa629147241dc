import { Module } from '@nestjs/common';
import { BillingModule } from '../billing/billing.module';
import { RoutingModule } from '../routing/routing.module';
import { PolicyService } from './policy.service';
import { POLICY_ENFORCER } from './policy.types';

/**
 * Tenant policy (production mode): provides POLICY_ENFORCER to the chat pipeline and PolicyService
 * to the /admin/tenants/:id/policy endpoints (admin/). Needs DatabaseModule (global) and BillingModule (events).
 */
@Module({
  imports: [RoutingModule, BillingModule],
  providers: [PolicyService, { provide: POLICY_ENFORCER, useExisting: PolicyService }],
  exports: [POLICY_ENFORCER, PolicyService],
})
export class PolicyModule {}
