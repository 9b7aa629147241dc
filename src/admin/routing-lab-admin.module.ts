import { Module } from '@nestjs/common';
import { RoutingLabModule } from '../routing/lab/routing-lab.module';
import { RoutingLabController } from './routing-lab.controller';

/** POST /admin/routing/replay (ADMIN_API_KEY; every mode). */
@Module({
  imports: [RoutingLabModule],
  controllers: [RoutingLabController],
})
export class RoutingLabAdminModule {}
