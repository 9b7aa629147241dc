import { Body, Controller, Delete, Get, HttpCode, Param, Put, UsePipes } from '@nestjs/common';
import { AdminAuth } from '../auth/admin-auth.decorator';
import type { AdminActor } from '../billing/admin/admin-audit';
import { Actor } from './admin-actor.decorator';
import { ResourceIdPipe } from './admin-validation.pipe';
import { strictValidationPipe } from '../common/validation';
import { TenantPolicyDto } from '../policy/policy.dto';
import { PolicyService } from '../policy/policy.service';
import { TenantAdminPolicyService } from '../policy/tenant-admin-policy.service';
import type { TenantPolicy } from '../policy/tenant-policy';

const TENANT_ID = new ResourceIdPipe('tenant');

interface PolicyResponse {
  tenant_id: string;
  customised: boolean;
  policy: TenantPolicy;
  /** The platform admin's policy: what a tenant admin may narrow, never widen. */
  ceiling: TenantPolicy;
}

/**
 * /admin/tenants/:id/policy — the tenant's policy. Platform admins set it (and with it the
 * ceiling); tenant admins of the tenant read it and narrow it within the ceiling (PUT), or go
 * back to the ceiling (DELETE).
 */
@Controller('admin/tenants/:id/policy')
@AdminAuth({ tenantAdmins: true })
@UsePipes(strictValidationPipe())
export class PolicyAdminController {
  constructor(
    private readonly policies: PolicyService,
    private readonly tenantAdmin: TenantAdminPolicyService,
  ) {}

  @Get()
  async get(@Param('id', TENANT_ID) id: string): Promise<PolicyResponse> {
    const { policy, customised, ceiling } = await this.policies.get(id);
    return { tenant_id: id, customised, policy, ceiling };
  }

  @Put()
  async put(
    @Param('id', TENANT_ID) id: string,
    @Body() dto: TenantPolicyDto,
    @Actor() actor: AdminActor,
  ): Promise<PolicyResponse> {
    if (actor.role === 'tenant_admin') await this.tenantAdmin.narrow(id, dto, actor);
    else await this.policies.put(id, dto, { name: actor.name, requestId: actor.requestId });
    return this.get(id);
  }

  @Delete()
  @HttpCode(204)
  async remove(@Param('id', TENANT_ID) id: string, @Actor() actor: AdminActor): Promise<void> {
    if (actor.role === 'tenant_admin') await this.tenantAdmin.reset(id, actor);
    else await this.policies.remove(id, { name: actor.name, requestId: actor.requestId });
  }
}
