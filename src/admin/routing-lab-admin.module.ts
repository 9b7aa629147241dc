import { Module } from '@nestjs/common';
import { RoutingLabModule } from '../routing/lab/routing-lab.module';
import { RoutingLabController } from './routing-lab.controller';
import { ShadowModule } from '../routing/shadow/shadow.module';
import { RoutingShadowController } from './routing-shadow.controller';

/** POST /admin/routing/replay and /admin/routing/shadow/* (ADMIN_API_KEY; every mode). */
@Module({
  imports: [RoutingLabModule, ShadowModule],
  controllers: [RoutingLabController, RoutingShadowController],
})
export class RoutingLabAdminModule {}
