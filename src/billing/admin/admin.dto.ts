import { Transform, Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsISO8601,
  IsNumber,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateIf,
} from 'class-validator';
import { IsPrintableText } from '../../common/validation';
import type { BudgetPeriod } from '../../config/app-config';
import { USAGE_GROUP_BY, type UsageGroupBy } from '../usage/usage-query';
import { API_KEY_ROLES, type ApiKeyRole } from '../entities/api-key.entity';
import { TimeRangeQueryDto } from '../../common/time-range';

/** Admin API request bodies and queries (validated strictly: unknown fields are refused). */

const NOT_BLANK = /\S/;
export const BUDGET_PERIODS: readonly BudgetPeriod[] = ['daily', 'weekly', 'monthly', 'total'];
/** Largest budget: nano-USD must stay an exact JS integer with room for sums. */
export const MAX_BUDGET_USD = 1_000_000;
export const MAX_RATE_LIMIT_RPM = 1_000_000;
/** Largest list offset (Postgres OFFSET is a bigint; 1e20 used to be a 500). */
export const MAX_LIST_OFFSET = 1_000_000_000;
const NANO_USD_PER_USD = 1e9;

/** USD amounts are kept in nano-USD: round to it (0.1 + 0.2 is 0.3, 1e-12 is 0). */
function roundToNanoUsd({ value }: { value: unknown }): unknown {
  return typeof value === 'number' && Number.isFinite(value)
    ? Math.round(value * NANO_USD_PER_USD) / NANO_USD_PER_USD
    : value;
}

export class CreateTenantDto {
  @IsString()
  @Length(1, 200)
  @Matches(NOT_BLANK, { message: 'name must not be blank' })
  @IsPrintableText()
  name!: string;

  @IsOptional() @IsInt() @Min(0) @Max(MAX_RATE_LIMIT_RPM) rate_limit_rpm?: number;
}

export class UpdateTenantDto {
  @IsOptional() @IsIn(['active', 'suspended']) status?: 'active' | 'suspended';

  @IsOptional()
  @IsString()
  @Length(1, 200)
  @Matches(NOT_BLANK, { message: 'name must not be blank' })
  @IsPrintableText()
  name?: string;

  /** null: back to the global RATE_LIMIT_RPM; 0: unlimited. */
  @ValidateIf((_object, value) => value !== null)
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_RATE_LIMIT_RPM)
  rate_limit_rpm?: number | null;
}

export class ListQueryDto {
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(MAX_LIST_OFFSET) offset?: number;
}

export class CreateKeyDto {
  @IsString()
  @Length(1, 200)
  @Matches(NOT_BLANK, { message: 'name must not be blank' })
  @IsPrintableText()
  name!: string;

  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'expires_at must be an ISO 8601 date-time' })
  expires_at?: string;

  /** `client` (default) calls the API; `tenant_admin` manages the tenant (platform admins only). */
  @IsOptional() @IsIn(API_KEY_ROLES) role?: ApiKeyRole;
}

/** POST /admin/admin-keys: a platform admin key. */
export class CreateAdminKeyDto {
  @IsString()
  @Length(1, 200)
  @Matches(NOT_BLANK, { message: 'name must not be blank' })
  @IsPrintableText()
  name!: string;

  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'expires_at must be an ISO 8601 date-time' })
  expires_at?: string;
}

export class PutBudgetDto {
  @Transform(roundToNanoUsd)
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'limit_usd must be a number' })
  @Min(0)
  @Max(MAX_BUDGET_USD)
  limit_usd!: number;

  @IsIn(BUDGET_PERIODS) period!: BudgetPeriod;

  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  soft_limit_ratio?: number;

  @IsOptional() @IsIn(['downgrade', 'alert']) action?: 'downgrade' | 'alert';
}

export class UsageQueryDto extends TimeRangeQueryDto {
  @IsOptional() @IsIn(USAGE_GROUP_BY) group_by?: UsageGroupBy;
}
