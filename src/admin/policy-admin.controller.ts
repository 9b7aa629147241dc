import { Body, Controller, Delete, Get, HttpCode, Param, Put, Req, UsePipes } from '@nestjs/common';
import type { Request } from 'express';
import { AdminAuth } from '../auth/admin-auth.decorator';
import type { GatewayRequestState } from '../common/principal';
import { ResourceIdPipe } from './admin-validation.pipe';
import { strictValidationPipe } from '../common/validation';
import { TenantPolicyDto } from '../policy/policy.dto';
import { PolicyActor, PolicyService } from '../policy/policy.service';
import type { TenantPolicy } from '../policy/tenant-policy';

const TENANT_ID = new ResourceIdPipe('tenant');

function actor(request: Request & Partial<GatewayRequestState>): PolicyActor {
  return { name: 'admin', requestId: request.id ?? null };
}

/** /admin/tenants/:id/policy — the tenant's policy (production mode). */
@Controller('admin/tenants/:id/policy')
@AdminAuth()
@UsePipes(strictValidationPipe())
export class PolicyAdminController {
  constructor(private readonly policies: PolicyService) {}

  @Get()
  async get(
    @Param('id', TENANT_ID) id: string,
  ): Promise<{ tenant_id: string; customised: boolean; policy: TenantPolicy }> {
    const { policy, customised } = await this.policies.get(id);
    return { tenant_id: id, customised, policy };
  }

  @Put()
  async put(
    @Param('id', TENANT_ID) id: string,
    @Body() dto: TenantPolicyDto,
    @Req() request: Request & Partial<GatewayRequestState>,
  ): Promise<{ tenant_id: string; customised: true; policy: TenantPolicy }> {
    return { tenant_id: id, customised: true, policy: await this.policies.put(id, dto, actor(request)) };
  }

  @Delete()
  @HttpCode(204)
  async remove(
    @Param('id', TENANT_ID) id: string,
    @Req() request: Request & Partial<GatewayRequestState>,
  ): Promise<void> {
    await this.policies.remove(id, actor(request));
  }
}
