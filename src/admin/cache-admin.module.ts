import { Module } from '@nestjs/common';
import { CachingModule } from '../caching/caching.module';
import { RoutingModule } from '../routing/routing.module';
import { CacheAdminController } from './cache-admin.controller';

/** DELETE /admin/tenants/:id/cache (ADMIN_API_KEY; every mode, where the response cache exists). */
@Module({
  imports: [CachingModule.register({ embeddingModels: RoutingModule })],
  controllers: [CacheAdminController],
})
export class CacheAdminModule {}
