import { Controller, Get, Query, Req, UsePipes } from '@nestjs/common';
import type { Request } from 'express';
import { AdminAuth } from '../auth/admin-auth.decorator';
import { BudgetListService } from '../billing/admin/budget-list.service';
import { DashboardQueryService } from '../billing/usage/dashboard-query.service';
import { adminTenantScope, type GatewayRequestState } from '../common/principal';
import { strictValidationPipe } from '../common/validation';
import { ModelCatalog } from '../routing/model-catalog';
import { premiumBaseline, routingSavings } from '../routing/premium-baseline';
import {
  budgetListResponse,
  dailyRangeFromDto,
  DailyRangeQueryDto,
  latencyResponse,
  routingResponse,
  type LatencyResponse,
  type RoutingResponse,
} from './dashboard-reports';

type AdminRequest = Request & Partial<GatewayRequestState>;

/**
 * What the dashboard reads besides the spend report, each in one request answered from
 * roll-ups: latency quantiles per day, auto-routing savings and fallbacks, every budget.
 * Platform admins see every tenant; tenant admins their own (the tenant filter is forced).
 */
@Controller('admin')
@AdminAuth({ tenantAdmins: true })
@UsePipes(strictValidationPipe())
export class DashboardReportsController {
  constructor(
    private readonly queries: DashboardQueryService,
    private readonly budgets: BudgetListService,
    private readonly catalog: ModelCatalog,
  ) {}

  /** GET /admin/usage/latency: p50/p90/p99 of served client requests per UTC day and overall. */
  @Get('usage/latency')
  async latency(@Query() dto: DailyRangeQueryDto, @Req() request: AdminRequest): Promise<LatencyResponse> {
    const query = dailyRangeFromDto(dto, adminTenantScope(request.admin));
    return latencyResponse(query, await this.queries.latencyByDay(query));
  }

  /** GET /admin/usage/routing: auto-routing savings against always-premium, and fallbacks. */
  @Get('usage/routing')
  async routing(@Query() dto: DailyRangeQueryDto, @Req() request: AdminRequest): Promise<RoutingResponse> {
    const query = dailyRangeFromDto(dto, adminTenantScope(request.admin));
    const [routed, fallbacks] = await Promise.all([
      this.queries.routedByIntent(query),
      this.queries.fallbacks(query),
    ]);
    return routingResponse(query, routingSavings(routed, premiumBaseline(this.catalog.entries())), fallbacks);
  }

  /** GET /admin/budgets: every budget with spent, reserved, remaining and forecast. */
  @Get('budgets')
  async list(@Req() request: AdminRequest): Promise<ReturnType<typeof budgetListResponse>> {
    return budgetListResponse(await this.budgets.list(adminTenantScope(request.admin)));
  }
}
