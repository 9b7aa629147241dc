import { Body, Controller, Get, HttpCode, Inject, Param, Post, UsePipes } from '@nestjs/common';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { AdminAuth } from '../auth/admin-auth.decorator';
import type { AdminActor } from '../billing/admin/admin-audit';
import type { Principal } from '../common/principal';
import { strictValidationPipe } from '../common/validation';
import { POLICY_ENFORCER, type PolicyEnforcer } from '../policy/policy.types';
import type { ExperimentReport } from '../routing/experiments/experiment-report';
import { parseExperimentSpec } from '../routing/experiments/experiment-spec';
import { ExperimentService, type ExperimentView } from '../routing/experiments/experiment.service';
import { Actor } from './admin-actor.decorator';
import { ResourceIdPipe } from './admin-validation.pipe';

const TENANT_ID = new ResourceIdPipe('tenant');

/** POST …/experiments/:experimentId/stop: an arm, or (absent) the whole experiment. */
export class StopExperimentDto {
  @IsOptional() @IsString() @MaxLength(32) arm?: string;
}

/**
 * /admin/tenants/:id/experiments — A/B routing experiments (docs/routing.md "A/B experiments").
 * Platform admins create and stop them: an arm's routing configuration is a routing.yaml, which
 * a tenant admin may not change (the policy ceiling keeps `routing` as the platform admin set
 * it). Tenant admins of the tenant may list them and read their reports. `:experimentId` is
 * looked up within the route's tenant (the guard checks `:id`).
 */
@Controller('admin/tenants/:id/experiments')
@UsePipes(strictValidationPipe())
export class RoutingExperimentsController {
  constructor(
    private readonly experiments: ExperimentService,
    @Inject(POLICY_ENFORCER) private readonly policy: PolicyEnforcer | null,
  ) {}

  @Post()
  @AdminAuth()
  create(
    @Param('id', TENANT_ID) id: string,
    @Body() body: Record<string, unknown>,
    @Actor() actor: AdminActor,
  ): Promise<ExperimentView> {
    const spec = parseExperimentSpec(body);
    // Only the tenant id is read: the tenant's routing customisation, as the decision log keeps it.
    const routing = this.policy ? this.policy.decisionLog({ tenantId: id } as Principal).routing : null;
    return this.experiments.create(id, spec, routing, actor);
  }

  @Get()
  @AdminAuth({ tenantAdmins: true })
  async list(@Param('id', TENANT_ID) id: string): Promise<{ object: 'list'; data: ExperimentView[] }> {
    return { object: 'list', data: await this.experiments.list(id) };
  }

  @Get(':experimentId')
  @AdminAuth({ tenantAdmins: true })
  get(
    @Param('id', TENANT_ID) id: string,
    @Param('experimentId') experimentId: string,
  ): Promise<ExperimentView> {
    return this.experiments.get(id, experimentId);
  }

  /** One call stops an arm (its traffic moves to the others) or, without `arm`, the experiment. */
  @Post(':experimentId/stop')
  @HttpCode(200)
  @AdminAuth()
  stop(
    @Param('id', TENANT_ID) id: string,
    @Param('experimentId') experimentId: string,
    @Body() dto: StopExperimentDto,
    @Actor() actor: AdminActor,
  ): Promise<ExperimentView> {
    return this.experiments.stop(id, experimentId, dto.arm ?? null, actor);
  }

  @Get(':experimentId/report')
  @AdminAuth({ tenantAdmins: true })
  report(
    @Param('id', TENANT_ID) id: string,
    @Param('experimentId') experimentId: string,
  ): Promise<ExperimentReport> {
    return this.experiments.report(id, experimentId);
  }
}
