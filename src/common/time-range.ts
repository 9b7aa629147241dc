import { IsISO8601, IsOptional } from 'class-validator';
import { ErrorCode, GatewayError } from './errors';

const DAY_MS = 86_400_000;

/**
 * `from` and `to` of the admin API's time-range queries (usage, spend reports, dashboard
 * reports, audit trail): ISO 8601 dates or date-times, both optional. The DTOs of those queries
 * extend this class (class-validator reads inherited decorators), so the fields and their error
 * messages are defined once.
 */
export class TimeRangeQueryDto {
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'from must be an ISO 8601 date or date-time' })
  from?: string;

  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'to must be an ISO 8601 date or date-time' })
  to?: string;
}

export interface TimeRangeRules {
  /** The range when `from` is absent: this many days before `to`. */
  defaultDays: number;
  /** The longest range accepted (none when absent), and the words after "at most N days". */
  maxDays?: number;
  maxQualifier?: string;
}

/**
 * The [from, to) of a validated query: `to` defaults to now, `from` to `defaultDays` before `to`;
 * a 400 (param `from`) when from is not before to or the range is longer than `maxDays`.
 */
export function resolveTimeRange(
  dto: TimeRangeQueryDto,
  rules: TimeRangeRules,
  now: Date = new Date(),
): { from: Date; to: Date } {
  const to = dto.to === undefined ? now : new Date(dto.to);
  const from =
    dto.from === undefined ? new Date(to.getTime() - rules.defaultDays * DAY_MS) : new Date(dto.from);
  if (from.getTime() >= to.getTime())
    throw new GatewayError(ErrorCode.ValidationFailed, 'from must be before to.', { param: 'from' });
  if (rules.maxDays !== undefined && to.getTime() - from.getTime() > rules.maxDays * DAY_MS) {
    throw new GatewayError(
      ErrorCode.ValidationFailed,
      `The range may span at most ${rules.maxDays} days${rules.maxQualifier ?? ''}.`,
      { param: 'from' },
    );
  }
  return { from, to };
}
