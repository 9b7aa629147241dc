import { Body, Controller, Get, Param, Put, Query, UsePipes } from '@nestjs/common';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsISO8601,
  IsNumber,
  IsOptional,
  IsUUID,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { AdminAuth } from '../auth/admin-auth.decorator';
import { ErrorCode, GatewayError } from '../common/errors';
import { strictValidationPipe } from '../common/validation';
import { ShadowReportService, type ShadowReport } from '../routing/shadow/shadow-report.service';
import { ShadowSettingsService, type TenantShadowSetting } from '../routing/shadow/shadow-settings.service';
import { ResourceIdPipe } from './admin-validation.pipe';

const TENANT_ID = new ResourceIdPipe('tenant');
const DAY_MS = 86_400_000;

/** GET /admin/routing/shadow/report: the window (default: the last 24 hours) and optionally a tenant. */
export class ShadowReportQueryDto {
  @IsOptional() @IsISO8601() from?: string;
  @IsOptional() @IsISO8601() to?: string;
  @IsOptional() @IsUUID() tenant_id?: string;
}

export class ShadowRequestsSettingDto {
  @IsOptional() @IsBoolean() enabled?: boolean;
  @IsOptional() @IsNumber() @Min(0) @Max(1) sample_rate?: number;
  /** The shadow requests' own budget (USD, total): never the tenant's budget. */
  @IsOptional() @IsNumber() @Min(0) @Max(1_000_000) budget_usd?: number;
}

/** PUT /admin/routing/shadow/tenants/:id: unset fields keep their value. */
export class TenantShadowSettingDto {
  @IsOptional() @IsBoolean() enabled?: boolean;
  /** null: SHADOW_SAMPLE_RATE. */
  @IsOptional() @IsNumber() @Min(0) @Max(1) sample_rate?: number | null;
  @IsOptional() @ValidateNested() @Type(() => ShadowRequestsSettingDto) requests?: ShadowRequestsSettingDto;
}

interface TenantShadowResponse {
  tenant_id: string;
  /** false: no setting of its own (SHADOW_DEFAULT_ON and SHADOW_SAMPLE_RATE apply). */
  customised: boolean;
  setting: TenantShadowSetting | null;
}

/**
 * Shadow classification and routing (docs/routing.md), platform admins: the report of a window,
 * and a tenant's own setting (take part or not, its sample rate, shadow requests with their own
 * budget).
 */
@Controller('admin/routing/shadow')
@AdminAuth()
@UsePipes(strictValidationPipe())
export class RoutingShadowController {
  constructor(
    private readonly reports: ShadowReportService,
    private readonly settings: ShadowSettingsService,
  ) {}

  @Get('report')
  report(@Query() dto: ShadowReportQueryDto): Promise<ShadowReport> {
    const to = dto.to ? new Date(dto.to) : new Date();
    const from = dto.from ? new Date(dto.from) : new Date(to.getTime() - DAY_MS);
    if (!(from < to))
      throw new GatewayError(ErrorCode.ValidationFailed, '`from` must be before `to`.', { param: 'from' });
    return this.reports.report({ from, to, tenantId: dto.tenant_id ?? null });
  }

  @Get('tenants/:id')
  async get(@Param('id', TENANT_ID) id: string): Promise<TenantShadowResponse> {
    await this.settings.requireTenant(id);
    const setting = await this.settings.get(id);
    return { tenant_id: id, customised: setting !== null, setting };
  }

  @Put('tenants/:id')
  async put(
    @Param('id', TENANT_ID) id: string,
    @Body() dto: TenantShadowSettingDto,
  ): Promise<TenantShadowResponse> {
    const setting = await this.settings.put(id, dto);
    return { tenant_id: id, customised: true, setting };
  }
}
