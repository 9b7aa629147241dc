import { Module } from '@nestjs/common';
import { BillingModule } from '../../billing/billing.module';
import { RoutingModule } from '../routing.module';
import { DecisionLogService } from './decision-log.service';
import { ReplayService } from './replay.service';
import { ThresholdOverridesService } from './threshold-overrides.service';

/**
 * The routing lab (docs/routing.md): the decision log (written by the chat pipeline's
 * decision_log step) and the counterfactual replay over it (admin API, `npm run replay`), with
 * its threshold suggestions and the store of the thresholds an admin applies.
 */
@Module({
  imports: [RoutingModule, BillingModule],
  providers: [DecisionLogService, ReplayService, ThresholdOverridesService],
  exports: [DecisionLogService, ReplayService, ThresholdOverridesService],
})
export class RoutingLabModule {}
