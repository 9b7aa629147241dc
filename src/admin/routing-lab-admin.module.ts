import { Module } from '@nestjs/common';
import { PolicyModule } from '../policy/policy.module';
import { ExperimentsModule } from '../routing/experiments/experiments.module';
import { RoutingLabModule } from '../routing/lab/routing-lab.module';
import { RoutingExperimentsController } from './routing-experiments.controller';
import { RoutingLabController } from './routing-lab.controller';
import { RoutingThresholdsController } from './routing-thresholds.controller';
import { ShadowModule } from '../routing/shadow/shadow.module';
import { RoutingShadowController } from './routing-shadow.controller';

/**
 * POST /admin/routing/replay, GET /admin/routing/thresholds, POST …/thresholds/apply and
 * /admin/routing/shadow/* (platform admins; every mode), and the A/B routing experiments of a
 * tenant (/admin/tenants/:id/experiments).
 */
@Module({
  imports: [RoutingLabModule, ExperimentsModule, PolicyModule, ShadowModule],
  controllers: [
    RoutingLabController,
    RoutingThresholdsController,
    RoutingExperimentsController,
    RoutingShadowController,
  ],
})
export class RoutingLabAdminModule {}
