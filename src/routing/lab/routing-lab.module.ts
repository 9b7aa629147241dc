import { Module } from '@nestjs/common';
import { RoutingModule } from '../routing.module';
import { DecisionLogService } from './decision-log.service';
import { ReplayService } from './replay.service';

/**
 * The routing lab (docs/routing.md): the decision log (written by the chat pipeline's
 * decision_log step) and the counterfactual replay over it (admin API, `npm run replay`).
 */
@Module({
  imports: [RoutingModule],
  providers: [DecisionLogService, ReplayService],
  exports: [DecisionLogService, ReplayService],
})
export class RoutingLabModule {}
