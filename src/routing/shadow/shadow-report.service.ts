import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { describeCandidate, type ShadowCandidateDescription } from './shadow-candidate';
import {
  SHADOW_GROUPS_SQL,
  SHADOW_REQUESTS_SQL,
  shadowRequestsSummary,
  shadowSummary,
  type ShadowGroupRow,
  type ShadowRequestsRow,
  type ShadowRequestsSummary,
  type ShadowSummary,
} from './shadow-report';
import { ShadowResultsLog, type ShadowProcessStats } from './shadow-results-log.service';

export interface ShadowReport extends ShadowSummary {
  object: 'routing.shadow_report';
  from: string;
  to: string;
  tenant_id: string | null;
  enabled: boolean;
  sample_rate: number;
  /** The candidate as configured now (SHADOW_*): rows of the window may predate a change. */
  candidate: ShadowCandidateDescription;
  shadow_requests: ShadowRequestsSummary;
  /** This replica's shadow since it started: queue (accepted, dropped), rows written. */
  process: ShadowProcessStats;
}

/** GET /admin/routing/shadow/report: routing_shadow_results of a window, summed. */
@Injectable()
export class ShadowReportService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly results: ShadowResultsLog,
  ) {}

  async report(window: { from: Date; to: Date; tenantId: string | null }): Promise<ShadowReport> {
    const params = [window.from.toISOString(), window.to.toISOString(), window.tenantId];
    const [groups, requests]: [ShadowGroupRow[], ShadowRequestsRow[]] = await Promise.all([
      this.dataSource.query(SHADOW_GROUPS_SQL, params),
      this.dataSource.query(SHADOW_REQUESTS_SQL, params),
    ]);
    const shadow = this.config.shadow;
    return {
      object: 'routing.shadow_report',
      from: params[0]!,
      to: params[1]!,
      tenant_id: window.tenantId,
      enabled: shadow.enabled,
      sample_rate: shadow.sampleRate,
      candidate: describeCandidate(shadow, this.config.routing),
      ...shadowSummary(groups),
      shadow_requests: shadowRequestsSummary(requests[0]),
      process: this.results.stats(),
    };
  }
}
