import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';
import { AUDIT_DECISIONS, DECISION_LIST } from './audit.types';
import { AUDIT_PAGE_MAX } from './audit-query';
import { TimeRangeQueryDto } from '../common/time-range';

/** GET /admin/audit and /admin/tenants/:id/audit (validated strictly: unknown fields are refused). */
export class AuditQueryDto extends TimeRangeQueryDto {
  @IsOptional() @IsUUID('all', { message: 'tenant_id must be a UUID' }) tenant_id?: string;

  @IsOptional() @IsUUID('all', { message: 'key_id must be a UUID' }) key_id?: string;

  /** One decision or several, comma-separated. */
  @IsOptional()
  @IsString()
  @Matches(DECISION_LIST, {
    message: `decision must be one or more (comma-separated) of: ${AUDIT_DECISIONS.join(', ')}`,
  })
  decision?: string;

  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(AUDIT_PAGE_MAX) limit?: number;

  @IsOptional() @IsString() @MaxLength(64) cursor?: string;

  /** csv: the same page as text/csv (the next cursor in the x-next-cursor header). */
  @IsOptional() @IsIn(['json', 'csv']) format?: 'json' | 'csv';
}
