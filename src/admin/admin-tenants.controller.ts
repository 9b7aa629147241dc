import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Put,
  Query,
  UsePipes,
} from '@nestjs/common';
import { AdminAuth } from '../auth/admin-auth.decorator';
import { Actor, CurrentAdmin } from './admin-actor.decorator';
import { adminTenantScope, type AdminPrincipal } from '../common/principal';
import { strictValidationPipe } from '../common/validation';
import { ResourceIdPipe } from './admin-validation.pipe';
import {
  CreateKeyDto,
  CreateTenantDto,
  ListQueryDto,
  PutBudgetDto,
  UpdateTenantDto,
  UsageQueryDto,
} from '../billing/admin/admin.dto';
import {
  apiKeyResponse,
  budgetResponse,
  createdKeyResponse,
  listResponse,
  tenantResponse,
  usageResponse,
  type ApiKeyResponse,
  type BudgetResponse,
  type ListResponse,
  type TenantResponse,
  type UsageResponse,
} from '../billing/admin/admin.responses';
import { AdminService } from '../billing/admin/admin.service';
import type { AdminActor } from '../billing/admin/admin.service';

const TENANT_ID = new ResourceIdPipe('tenant');
/** Tenant admins may call it too, for their own tenant only (AdminGuard checks the :id). */
const TENANT_ADMINS = { tenantAdmins: true } as const;

/**
 * /admin/tenants: tenants, their keys, budget and usage. Platform admins: everything; tenant
 * admins: their own tenant (read it, its keys, its budget and usage; create client keys).
 */
@Controller('admin/tenants')
@AdminAuth()
@UsePipes(strictValidationPipe())
export class AdminTenantsController {
  constructor(private readonly admin: AdminService) {}

  @Post()
  async create(@Body() dto: CreateTenantDto, @Actor() actor: AdminActor): Promise<TenantResponse> {
    return tenantResponse(await this.admin.createTenant(dto, actor));
  }

  @Get()
  @AdminAuth(TENANT_ADMINS)
  async list(
    @Query() query: ListQueryDto,
    @CurrentAdmin() admin: AdminPrincipal,
  ): Promise<ListResponse<TenantResponse>> {
    const tenants = await this.admin.listTenants(query.limit, query.offset, adminTenantScope(admin));
    return listResponse(tenants.map(tenantResponse));
  }

  @Get(':id')
  @AdminAuth(TENANT_ADMINS)
  async get(@Param('id', TENANT_ID) id: string): Promise<TenantResponse> {
    return tenantResponse(await this.admin.getTenant(id));
  }

  @Patch(':id')
  async update(
    @Param('id', TENANT_ID) id: string,
    @Body() dto: UpdateTenantDto,
    @Actor() actor: AdminActor,
  ): Promise<TenantResponse> {
    return tenantResponse(await this.admin.updateTenant(id, dto, actor));
  }

  @Post(':id/keys')
  @AdminAuth(TENANT_ADMINS)
  async createKey(
    @Param('id', TENANT_ID) id: string,
    @Body() dto: CreateKeyDto,
    @Actor() actor: AdminActor,
  ): Promise<ApiKeyResponse & { key: string }> {
    const { key, plaintext } = await this.admin.createKey(id, dto, actor);
    return createdKeyResponse(key, plaintext);
  }

  @Get(':id/keys')
  @AdminAuth(TENANT_ADMINS)
  async listKeys(@Param('id', TENANT_ID) id: string): Promise<ListResponse<ApiKeyResponse>> {
    return listResponse((await this.admin.listKeys(id)).map(apiKeyResponse));
  }

  @Put(':id/budget')
  async putBudget(
    @Param('id', TENANT_ID) id: string,
    @Body() dto: PutBudgetDto,
    @Actor() actor: AdminActor,
  ): Promise<BudgetResponse> {
    return budgetResponse(await this.admin.putBudget('tenant', id, dto, actor));
  }

  @Get(':id/budget')
  @AdminAuth(TENANT_ADMINS)
  async getBudget(@Param('id', TENANT_ID) id: string): Promise<BudgetResponse> {
    return budgetResponse(await this.admin.getBudget('tenant', id));
  }

  @Delete(':id/budget')
  @HttpCode(204)
  async deleteBudget(@Param('id', TENANT_ID) id: string, @Actor() actor: AdminActor): Promise<void> {
    await this.admin.deleteBudget('tenant', id, actor);
  }

  @Get(':id/usage')
  @AdminAuth(TENANT_ADMINS)
  async usage(@Param('id', TENANT_ID) id: string, @Query() query: UsageQueryDto): Promise<UsageResponse> {
    return usageResponse(await this.admin.usage(id, query));
  }
}
