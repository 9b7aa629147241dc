import { Body, Controller, Get, HttpCode, Post, UsePipes } from '@nestjs/common';
import { IsNumber, IsObject, IsOptional, Max, Min } from 'class-validator';
import { AdminAuth } from '../auth/admin-auth.decorator';
import type { AdminActor } from '../billing/admin/admin-audit';
import { ErrorCode, GatewayError } from '../common/errors';
import type { IntentLabel } from '../common/intent-labels';
import { strictValidationPipe } from '../common/validation';
import {
  ThresholdOverridesService,
  type AppliedThresholdsView,
} from '../routing/lab/threshold-overrides.service';
import { Actor } from './admin-actor.decorator';

/** POST /admin/routing/thresholds/apply: any of the values a replay report's `suggestions` names. */
export class ApplyThresholdsDto {
  @IsOptional() @IsNumber() @Min(0) @Max(1) low_confidence?: number;
  @IsOptional() @IsNumber() @Min(0) @Max(1) min_conf_for_direct?: number;
  /** Per label (not safety_risk): min_quality in [0, 1]; null: routing.yaml's floor again. */
  @IsOptional() @IsObject() quality_floors?: Record<string, number | null>;
}

/**
 * Dynamic thresholds (docs/routing.md): the values routing uses now, and applying a replay
 * report's suggestions — an explicit platform-admin action (validated, stored, audited, applied
 * on every replica), never automatic. Thresholds are platform-wide, as the env values they replace.
 */
@Controller('admin/routing/thresholds')
@AdminAuth()
@UsePipes(strictValidationPipe())
export class RoutingThresholdsController {
  constructor(private readonly overrides: ThresholdOverridesService) {}

  @Get()
  current(): AppliedThresholdsView {
    return this.overrides.view();
  }

  @Post('apply')
  @HttpCode(200)
  apply(@Body() dto: ApplyThresholdsDto, @Actor() actor: AdminActor): Promise<AppliedThresholdsView> {
    if (
      dto.low_confidence === undefined &&
      dto.min_conf_for_direct === undefined &&
      (dto.quality_floors === undefined || Object.keys(dto.quality_floors).length === 0)
    )
      throw new GatewayError(
        ErrorCode.ValidationFailed,
        'Nothing to apply: give low_confidence, min_conf_for_direct or quality_floors.',
        { param: null },
      );
    return this.overrides.apply(
      {
        lowConfidence: dto.low_confidence,
        minConfForDirect: dto.min_conf_for_direct,
        floors: dto.quality_floors as Partial<Record<IntentLabel, number | null>> | undefined,
      },
      actor,
    );
  }
}
