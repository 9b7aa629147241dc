import { Controller, Get, Query, Req, Res, UsePipes } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AdminAuth } from '../auth/admin-auth.decorator';
import { reportQueryFromDto, UsageReportQueryDto } from '../billing/admin/usage-report.dto';
import {
  usageReportCsv,
  usageReportResponse,
  type UsageReportResponse,
} from '../billing/admin/usage-report.responses';
import { UsageReportService } from '../billing/usage/usage-report.service';
import { adminTenantScope, type GatewayRequestState } from '../common/principal';
import { strictValidationPipe } from '../common/validation';

/**
 * GET /admin/usage: the spend report across tenants (platform admins) or of the caller's own
 * tenant (tenant admins: the tenant filter is forced to theirs), as JSON or `format=csv`.
 */
@Controller('admin/usage')
@AdminAuth({ tenantAdmins: true })
@UsePipes(strictValidationPipe())
export class UsageReportController {
  constructor(private readonly reports: UsageReportService) {}

  @Get()
  async report(
    @Query() dto: UsageReportQueryDto,
    @Req() request: Request & Partial<GatewayRequestState>,
    @Res({ passthrough: true }) response: Response,
  ): Promise<UsageReportResponse | string> {
    const query = reportQueryFromDto(dto, adminTenantScope(request.admin));
    const report = await this.reports.report(query);
    if (dto.format !== 'csv') return usageReportResponse(report);
    const name = `usage-${query.from.toISOString().slice(0, 10)}-${query.to.toISOString().slice(0, 10)}.csv`;
    response.setHeader('content-type', 'text/csv; charset=utf-8');
    response.setHeader('content-disposition', `attachment; filename="${name}"`);
    return usageReportCsv(report);
  }
}
