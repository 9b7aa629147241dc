import { Controller, Delete, HttpCode, Param } from '@nestjs/common';
import { AdminAuth } from '../auth/admin-auth.decorator';
import { ChatCacheService } from '../caching/chat-cache.service';
import { ResourceIdPipe } from './admin-validation.pipe';
import { CurrentAdmin } from './admin-actor.decorator';
import type { AdminPrincipal } from '../common/principal';

const TENANT_ID = new ResourceIdPipe('tenant');

/**
 * DELETE /admin/tenants/:id/cache — empties a tenant's cached answers on every replica. Tenant
 * admins may purge their own tenant's cache (AdminGuard checks the :id).
 */
@Controller('admin/tenants/:id/cache')
@AdminAuth({ tenantAdmins: true })
export class CacheAdminController {
  constructor(private readonly cache: ChatCacheService) {}

  @Delete()
  @HttpCode(200)
  async purge(
    @Param('id', TENANT_ID) id: string,
    @CurrentAdmin() admin: AdminPrincipal,
  ): Promise<{ tenant_id: string; purged: true; namespaces: string[]; semantic_entries: number }> {
    // A shared namespace (policy cache.shared_namespace) holds other tenants' answers too: only
    // a platform admin purges it.
    const result = await this.cache.purgeTenant(id, { shared: admin.role === 'platform_admin' });
    return { tenant_id: id, purged: true, ...result };
  }
}
