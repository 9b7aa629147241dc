import { Global, Module } from '@nestjs/common';
import { RoutingModule } from '../routing/routing.module';
import { PolicyService } from './policy.service';
import { POLICY_ENFORCER } from './policy.types';

/**
 * Tenant policy (production mode): provides POLICY_ENFORCER to the chat pipeline and PolicyService
 * to the /admin/tenants/:id/policy endpoints (admin/). Needs DatabaseModule and BillingModule (events), global.
 */
@Global()
@Module({
  imports: [RoutingModule],
  providers: [PolicyService, { provide: POLICY_ENFORCER, useExisting: PolicyService }],
  exports: [POLICY_ENFORCER, PolicyService],
})
export class PolicyModule {}
