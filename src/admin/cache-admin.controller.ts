import { Controller, Delete, HttpCode, Param } from '@nestjs/common';
import { AdminAuth } from '../auth/admin-auth.decorator';
import { ChatCacheService } from '../caching/chat-cache.service';
import { ResourceIdPipe } from './admin-validation.pipe';

const TENANT_ID = new ResourceIdPipe('tenant');

/** DELETE /admin/tenants/:id/cache — empties a tenant's cached answers on every replica. */
@Controller('admin/tenants/:id/cache')
@AdminAuth()
export class CacheAdminController {
  constructor(private readonly cache: ChatCacheService) {}

  @Delete()
  @HttpCode(200)
  async purge(
    @Param('id', TENANT_ID) id: string,
  ): Promise<{ tenant_id: string; purged: true; namespaces: string[]; semantic_entries: number }> {
    const result = await this.cache.purgeTenant(id);
    return { tenant_id: id, purged: true, ...result };
  }
}
