import { Body, Controller, Delete, Get, Param, Post, Query, UsePipes } from '@nestjs/common';
import { AdminAuth } from '../auth/admin-auth.decorator';
import { Actor } from './admin-actor.decorator';
import { strictValidationPipe } from '../common/validation';
import { ResourceIdPipe } from './admin-validation.pipe';
import { CreateAdminKeyDto, ListQueryDto } from '../billing/admin/admin.dto';
import {
  adminKeyResponse,
  listResponse,
  type AdminKeyResponse,
  type ListResponse,
} from '../billing/admin/admin.responses';
import type { AdminActor } from '../billing/admin/admin-audit';
import { PlatformAdminKeysService } from '../billing/admin/platform-admin-keys.service';

const ADMIN_KEY_ID = new ResourceIdPipe('admin key');

/** /admin/admin-keys: platform admin keys (platform admins only). */
@Controller('admin/admin-keys')
@AdminAuth()
@UsePipes(strictValidationPipe())
export class PlatformAdminKeysController {
  constructor(private readonly adminKeys: PlatformAdminKeysService) {}

  @Post()
  async create(
    @Body() dto: CreateAdminKeyDto,
    @Actor() actor: AdminActor,
  ): Promise<AdminKeyResponse & { key: string }> {
    const { key, plaintext } = await this.adminKeys.create(dto, actor);
    return { ...adminKeyResponse(key), key: plaintext };
  }

  @Get()
  async list(@Query() query: ListQueryDto): Promise<ListResponse<AdminKeyResponse>> {
    return listResponse((await this.adminKeys.list(query.limit, query.offset)).map(adminKeyResponse));
  }

  @Delete(':id')
  async revoke(@Param('id', ADMIN_KEY_ID) id: string, @Actor() actor: AdminActor): Promise<AdminKeyResponse> {
    return adminKeyResponse(await this.adminKeys.revoke(id, actor));
  }
}
