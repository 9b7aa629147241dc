import { Controller, Get, Param, Query, Req, Res, UsePipes } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AuditQueryDto } from '../audit/audit.dto';
import { auditCsv, type AuditPage } from '../audit/audit-query';
import { AuditQueryService } from '../audit/audit-query.service';
import { AdminAuth } from '../auth/admin-auth.decorator';
import { adminTenantScope, type GatewayRequestState } from '../common/principal';
import { strictValidationPipe } from '../common/validation';
import { ResourceIdPipe } from './admin-validation.pipe';

const TENANT_ID = new ResourceIdPipe('tenant');

type AdminRequest = Request & Partial<GatewayRequestState>;

/**
 * The audit trail: gateway decisions about requests and admin changes, newest first, keyset
 * paginated (`cursor` = the previous page's next_cursor). `?format=csv` or `Accept: text/csv`
 * answers the same page as CSV, its next cursor in the `x-next-cursor` header. Tenant admins see
 * only their own tenant: on /admin/audit their tenant replaces any tenant_id filter; on
 * /admin/tenants/:id/audit another tenant is a 404, like a tenant that does not exist.
 */
@Controller('admin')
@AdminAuth({ tenantAdmins: true })
@UsePipes(strictValidationPipe())
export class AuditAdminController {
  constructor(private readonly audit: AuditQueryService) {}

  @Get('audit')
  async list(
    @Query() query: AuditQueryDto,
    @Req() request: AdminRequest,
    @Res({ passthrough: true }) response: Response,
  ): Promise<AuditPage | string> {
    return render(await this.audit.list(query, adminTenantScope(request.admin)), query, request, response);
  }

  @Get('tenants/:id/audit')
  async forTenant(
    @Param('id', TENANT_ID) id: string,
    @Query() query: AuditQueryDto,
    @Req() request: AdminRequest,
    @Res({ passthrough: true }) response: Response,
  ): Promise<AuditPage | string> {
    const page = await this.audit.forTenant(id, query, adminTenantScope(request.admin));
    return render(page, query, request, response);
  }
}

/** JSON, or CSV when asked by ?format=csv or (without a format) by the Accept header. */
function render(
  page: AuditPage,
  query: AuditQueryDto,
  request: AdminRequest,
  response: Response,
): AuditPage | string {
  const accept = request.headers.accept ?? '';
  const csv = query.format === 'csv' || (query.format === undefined && /\btext\/csv\b/i.test(accept));
  if (!csv) return page;
  response.setHeader('content-type', 'text/csv; charset=utf-8');
  response.setHeader('content-disposition', 'attachment; filename="audit.csv"');
  if (page.next_cursor) response.setHeader('x-next-cursor', page.next_cursor);
  return auditCsv(page.data);
}
