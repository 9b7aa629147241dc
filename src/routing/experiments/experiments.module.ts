import { Module } from '@nestjs/common';
import { BillingModule } from '../../billing/billing.module';
import { RoutingModule } from '../routing.module';
import { ExperimentService } from './experiment.service';

/**
 * A/B routing experiments (docs/routing.md "A/B experiments"): the chat pipeline's experiment
 * step asks ExperimentService for a request's arm; the admin API creates, stops and reports.
 * Needs DatabaseModule (global) and BillingModule (the change events).
 */
@Module({
  imports: [RoutingModule, BillingModule],
  providers: [ExperimentService],
  exports: [ExperimentService],
})
export class ExperimentsModule {}
