import { Injectable } from '@nestjs/common';
import type { UsageGroupBy, UsageReport } from './usage-query';
import { UsageReportService } from './usage-report.service';

/** One tenant's usage totals and groups: the spend report filtered on the tenant. */
@Injectable()
export class UsageQueryService {
  constructor(private readonly reports: UsageReportService) {}

  async report(tenantId: string, from: Date, to: Date, groupBy: UsageGroupBy | null): Promise<UsageReport> {
    const report = await this.reports.report({
      from,
      to,
      groupBy: groupBy === null ? [] : [groupBy],
      filters: { tenantId },
      scopeTenantId: null,
    });
    const groups = report.groups.map(({ dimensions, ...totals }) => ({
      key: groupBy === null ? null : (dimensions[groupBy] ?? null),
      ...totals,
    }));
    return { tenantId, from, to, groupBy, totals: report.totals, groups };
  }
}
