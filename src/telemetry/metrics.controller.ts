import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import type { Request, Response } from 'express';
import { Public } from '../common/route-access';

/**
 * Who may read the metrics: implemented by the auth module (OperatorAccess: METRICS_TOKEN when
 * set, failed attempts throttled per address). Declared here so telemetry does not import auth.
 */
export interface MetricsAccess {
  /** Resolves when the request may read the metrics; throws a GatewayError (401/429) otherwise. */
  authorizeMetrics(request: Request): Promise<void>;
}

export const METRICS_ACCESS = Symbol('METRICS_ACCESS');

/**
 * GET /metrics/prometheus. With METRICS_TOKEN set it needs `Authorization: Bearer <token>`;
 * without it, it is public like /health (scrape it from inside the cluster, or block it at the
 * ingress). The metrics carry no tenant names or keys, but they do show traffic and cost.
 */
@Controller('metrics/prometheus')
@Public() // no client key: METRICS_TOKEN, when set, is checked below (MetricsAccess)
export class MetricsController extends PrometheusController {
  constructor(@Inject(METRICS_ACCESS) private readonly access: MetricsAccess) {
    super();
  }

  @Get()
  override async index(
    @Req() request?: Request,
    @Res({ passthrough: true }) response?: Response,
  ): Promise<string> {
    if (request) await this.access.authorizeMetrics(request);
    return super.index(response);
  }
}
