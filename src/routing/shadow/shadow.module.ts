import { Module } from '@nestjs/common';
import { ShadowReportService } from './shadow-report.service';
import { ShadowResultsLog } from './shadow-results-log.service';
import { ShadowSettingsService } from './shadow-settings.service';

/**
 * Shadow classification and routing (docs/routing.md): the tenants' settings, the results log and
 * the report, shared by the chat module (whose ShadowRunner evaluates the candidate, with the
 * candidate classifier of the intent layer) and the routing lab's admin API.
 */
@Module({
  providers: [ShadowSettingsService, ShadowResultsLog, ShadowReportService],
  exports: [ShadowSettingsService, ShadowResultsLog, ShadowReportService],
})
export class ShadowModule {}
