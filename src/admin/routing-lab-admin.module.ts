import { Module } from '@nestjs/common';
import { RoutingLabModule } from '../routing/lab/routing-lab.module';
import { RoutingLabController } from './routing-lab.controller';
import { RoutingThresholdsController } from './routing-thresholds.controller';

/** POST /admin/routing/replay, GET /admin/routing/thresholds, POST …/thresholds/apply (platform admins; every mode). */
@Module({
  imports: [RoutingLabModule],
  controllers: [RoutingLabController, RoutingThresholdsController],
})
export class RoutingLabAdminModule {}
