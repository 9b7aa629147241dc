import { Module } from '@nestjs/common';
import { BillingModule } from '../billing/billing.module';
import { RoutingModule } from '../routing/routing.module';
import { PolicyService } from './policy.service';
import { POLICY_ENFORCER } from './policy.types';
import { TenantAdminPolicyService } from './tenant-admin-policy.service';

/**
 * Tenant policy (production mode): provides POLICY_ENFORCER to the chat pipeline and PolicyService
 * to the /admin/tenants/:id/policy endpoints (admin/). Needs DatabaseModule (global) and BillingModule (events).
 */
@Module({
  imports: [RoutingModule, BillingModule],
  providers: [
    PolicyService,
    TenantAdminPolicyService,
    { provide: POLICY_ENFORCER, useExisting: PolicyService },
  ],
  exports: [POLICY_ENFORCER, PolicyService, TenantAdminPolicyService],
})
export class PolicyModule {}
