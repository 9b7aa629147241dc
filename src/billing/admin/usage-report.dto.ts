import { Transform } from 'class-transformer';
import { IsIn, IsOptional, IsString, IsUUID, Length, Matches } from 'class-validator';
import { ErrorCode, GatewayError } from '../../common/errors';
import { IsPrintableText } from '../../common/validation';
import {
  GROUP_BY_LIST,
  REPORT_DIMENSIONS,
  type ReportDimension,
  type UsageReportQuery,
} from '../usage/usage-report';
import { TimeRangeQueryDto, resolveTimeRange } from '../../common/time-range';

/** Longest report range; grouping by hour reads hourly roll-ups and is limited further. */
export const MAX_REPORT_RANGE_DAYS = 366;
export const MAX_HOURLY_RANGE_DAYS = 31;
/** Range when `from` is not given: the 30 days before `to`. */
export const DEFAULT_REPORT_RANGE_DAYS = 30;

/** `group_by=tenant,model` or `group_by=tenant&group_by=model`: joined into one comma-separated list. */
function joinRepeated({ value }: { value: unknown }): unknown {
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value.join(',') : value;
}

/** GET /admin/usage's query (strict: unknown parameters are refused). */
export class UsageReportQueryDto extends TimeRangeQueryDto {
  @IsOptional()
  @Transform(joinRepeated)
  @IsString()
  @Length(1, 100)
  @Matches(GROUP_BY_LIST, {
    message: `group_by must be a comma-separated list of ${REPORT_DIMENSIONS.join(', ')}`,
  })
  group_by?: string;

  @IsOptional() @IsUUID('all', { message: 'tenant must be a tenant id (UUID)' }) tenant?: string;
  @IsOptional() @IsUUID('all', { message: 'key must be an API key id (UUID)' }) key?: string;
  @IsOptional() @IsString() @Length(1, 100) @IsPrintableText() model?: string;
  @IsOptional() @IsString() @Length(1, 16) @IsPrintableText() provider?: string;
  /** An intent label, or `none` for requests without one. */
  @IsOptional() @IsString() @Length(1, 16) @IsPrintableText() intent?: string;
  @IsOptional() @IsIn(['json', 'csv']) format?: 'json' | 'csv';
}

function invalid(param: string, message: string): GatewayError {
  return new GatewayError(ErrorCode.ValidationFailed, message, { param });
}

/** The distinct dimensions of group_by, in the order given (a repeated one is a 400). */
export function parseGroupBy(value: string | undefined): ReportDimension[] {
  if (value === undefined) return [];
  const dimensions = value.split(',') as ReportDimension[];
  if (new Set(dimensions).size !== dimensions.length)
    throw invalid('group_by', 'group_by repeats a dimension.');
  return dimensions;
}

/**
 * The report query for a validated DTO: range defaults and limits, and the caller's tenant
 * confinement (`scopeTenantId`: adminTenantScope of the admin caller; applied on top of the
 * `tenant` filter, so a tenant admin asking for another tenant gets an empty report).
 */
export function reportQueryFromDto(
  dto: UsageReportQueryDto,
  scopeTenantId: string | null,
  now: Date = new Date(),
): UsageReportQuery {
  const groupBy = parseGroupBy(dto.group_by);
  const hourly = groupBy.includes('hour');
  const { from, to } = resolveTimeRange(
    dto,
    {
      defaultDays: DEFAULT_REPORT_RANGE_DAYS,
      maxDays: hourly ? MAX_HOURLY_RANGE_DAYS : MAX_REPORT_RANGE_DAYS,
      maxQualifier: hourly ? ' when grouping by hour' : '',
    },
    now,
  );
  return {
    from,
    to,
    groupBy,
    filters: {
      tenantId: dto.tenant?.toLowerCase(),
      keyId: dto.key?.toLowerCase(),
      model: dto.model,
      provider: dto.provider,
      intent: dto.intent,
    },
    scopeTenantId,
  };
}
