import { Global, Module } from '@nestjs/common';
import { RoutingModule } from '../routing/routing.module';
import { PolicyAdminController } from './policy-admin.controller';
import { PolicyService } from './policy.service';
import { POLICY_ENFORCER } from './policy.types';

/**
 * Tenant policy (production mode): provides POLICY_ENFORCER to the chat pipeline and the
 * /admin/tenants/:id/policy endpoints. Needs DatabaseModule and BillingModule (events), global.
 */
@Global()
@Module({
  imports: [RoutingModule],
  controllers: [PolicyAdminController],
  providers: [PolicyService, { provide: POLICY_ENFORCER, useExisting: PolicyService }],
  exports: [POLICY_ENFORCER],
})
export class PolicyModule {}
