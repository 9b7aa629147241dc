import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ErrorCode, GatewayError } from '../../common/errors';
import {
  addTotals,
  buildReportQuery,
  reportGroup,
  type ReportRow,
  type SpendReport,
  type UsageReportQuery,
} from './usage-report';

/** The most groups one report returns; more is a 400 asking for a narrower report. */
export const MAX_REPORT_GROUPS = 50_000;

/**
 * The planner settings of a report's transaction: no parallel workers and no JIT (see report()).
 */
export const REPORT_PLANNER_SETTINGS = `SELECT set_config('max_parallel_workers_per_gather', '0', true), set_config('jit', 'off', true)`;

/** Runs the spend report (see usage-report.ts for the plan). */
@Injectable()
export class UsageReportService {
  constructor(private readonly dataSource: DataSource) {}

  async report(query: UsageReportQuery): Promise<SpendReport> {
    const built = buildReportQuery(query, MAX_REPORT_GROUPS + 1);
    const rows: ReportRow[] = await this.dataSource.transaction(async (manager) => {
      // A report reads at most tens of thousands of roll-up rows: parallel workers and JIT
      // compilation, which the planner picks for its estimated cost, cost more than they save
      // (90-day report across tenants by tenant, model and intent: 212 → 128 ms; docs/billing.md).
      await manager.query(REPORT_PLANNER_SETTINGS);
      return manager.query(built.sql, built.params);
    });
    if (rows.length > MAX_REPORT_GROUPS) {
      throw new GatewayError(
        ErrorCode.ValidationFailed,
        `The report has more than ${MAX_REPORT_GROUPS} groups: narrow the time range, the filters or group_by.`,
        { param: 'group_by' },
      );
    }
    const groups = rows.map((row) => reportGroup(row, query.groupBy));
    return {
      from: query.from,
      to: query.to,
      groupBy: query.groupBy,
      filters: query.filters,
      totals: addTotals(groups),
      groups: query.groupBy.length === 0 ? [] : groups,
    };
  }
}
