import { Body, Controller, Delete, Get, HttpCode, Param, Put, UsePipes } from '@nestjs/common';
import { AdminAuth } from '../auth/admin-auth.decorator';
import { Actor } from './admin-actor.decorator';
import { strictValidationPipe } from '../common/validation';
import { ResourceIdPipe } from './admin-validation.pipe';
import { PutBudgetDto } from '../billing/admin/admin.dto';
import {
  apiKeyResponse,
  budgetResponse,
  type ApiKeyResponse,
  type BudgetResponse,
} from '../billing/admin/admin.responses';
import { AdminService } from '../billing/admin/admin.service';
import type { AdminActor } from '../billing/admin/admin.service';

const KEY_ID = new ResourceIdPipe('API key');

/**
 * /admin/keys/:id: revocation and per-key budgets. Tenant admins too, for keys of their own
 * tenant (AdminGuard: another tenant's key answers as an unknown one); their key budgets stay
 * within the tenant's budget.
 */
@Controller('admin/keys')
@AdminAuth({ tenantAdmins: true, idResource: 'api_key' })
@UsePipes(strictValidationPipe())
export class AdminKeysController {
  constructor(private readonly admin: AdminService) {}

  @Delete(':id')
  async revoke(@Param('id', KEY_ID) id: string, @Actor() actor: AdminActor): Promise<ApiKeyResponse> {
    return apiKeyResponse(await this.admin.revokeKey(id, actor));
  }

  @Put(':id/budget')
  async putBudget(
    @Param('id', KEY_ID) id: string,
    @Body() dto: PutBudgetDto,
    @Actor() actor: AdminActor,
  ): Promise<BudgetResponse> {
    return budgetResponse(await this.admin.putBudget('key', id, dto, actor));
  }

  @Get(':id/budget')
  async getBudget(@Param('id', KEY_ID) id: string): Promise<BudgetResponse> {
    return budgetResponse(await this.admin.getBudget('key', id));
  }

  @Delete(':id/budget')
  @HttpCode(204)
  async deleteBudget(@Param('id', KEY_ID) id: string, @Actor() actor: AdminActor): Promise<void> {
    await this.admin.deleteBudget('key', id, actor);
  }
}
