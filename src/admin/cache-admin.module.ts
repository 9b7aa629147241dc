import { Module, type DynamicModule } from '@nestjs/common';
import { CachingModule } from '../caching/caching.module';
import { RoutingModule } from '../routing/routing.module';
import { CacheAdminController } from './cache-admin.controller';

/**
 * DELETE /admin/tenants/:id/cache (every mode, where the response cache exists), over the cache
 * module the chat pipeline uses (same collaborators: the provider layer the composition registered).
 */
@Module({})
export class CacheAdminModule {
  static register(options: { providers: DynamicModule }): DynamicModule {
    return {
      module: CacheAdminModule,
      imports: [CachingModule.register({ embeddingModels: RoutingModule, providers: options.providers })],
      controllers: [CacheAdminController],
    };
  }
}
