import { Body, Controller, HttpCode, Post, UsePipes } from '@nestjs/common';
import { IsISO8601, IsNumber, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';
import { AdminAuth } from '../auth/admin-auth.decorator';
import { ErrorCode, GatewayError } from '../common/errors';
import { strictValidationPipe } from '../common/validation';
import { ReplayService, type ReplayReport } from '../routing/lab/replay.service';

const MAX_CONFIG_CHARS = 1_000_000;

/** POST /admin/routing/replay: the window, and the candidate configuration as YAML text. */
export class ReplayRequestDto {
  @IsISO8601() from!: string;
  @IsISO8601() to!: string;
  @IsOptional() @IsUUID() tenant_id?: string;
  /** A full routing.yaml (the candidate policy); absent: the live one. */
  @IsOptional() @IsString() @MaxLength(MAX_CONFIG_CHARS) routing?: string;
  /** A full models.yaml (the candidate catalog); absent: the live one. */
  @IsOptional() @IsString() @MaxLength(MAX_CONFIG_CHARS) models?: string;
  /** Candidate INTENT_LOW_CONFIDENCE / INTENT_MIN_CONF_FOR_DIRECT; absent: each decision's own. */
  @IsOptional() @IsNumber() @Min(0) @Max(1) low_confidence?: number;
  @IsOptional() @IsNumber() @Min(0) @Max(1) min_conf_for_direct?: number;
  /** The suggestions' target: the largest share of requests below their label's floor (default 0.02). */
  @IsOptional() @IsNumber() @Min(0) @Max(1) max_below_floor_share?: number;
}

/** The routing lab's admin API (platform admins): counterfactual replay of logged decisions. */
@Controller('admin/routing')
@AdminAuth()
@UsePipes(strictValidationPipe())
export class RoutingLabController {
  constructor(private readonly replays: ReplayService) {}

  @Post('replay')
  @HttpCode(200)
  replay(@Body() dto: ReplayRequestDto): Promise<ReplayReport> {
    const from = new Date(dto.from);
    const to = new Date(dto.to);
    if (!(from < to))
      throw new GatewayError(ErrorCode.ValidationFailed, '`from` must be before `to`.', { param: 'from' });
    return this.replays.replay({
      from,
      to,
      tenantId: dto.tenant_id ?? null,
      routingYaml: dto.routing ?? null,
      modelsYaml: dto.models ?? null,
      thresholds: {
        ...(dto.low_confidence !== undefined ? { lowConfidence: dto.low_confidence } : {}),
        ...(dto.min_conf_for_direct !== undefined ? { minConfForDirect: dto.min_conf_for_direct } : {}),
      },
      suggestions: { maxBelowFloorShare: dto.max_below_floor_share },
    });
  }
}
