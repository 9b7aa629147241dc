import { Global, Module } from '@nestjs/common';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { METRIC_PROVIDERS } from './metrics';
import { MetricsController } from './metrics.controller';

/**
 * Metrics for every module: Prometheus registry with default process metrics, served at
 * GET /metrics/prometheus, and the ModelMuxer metrics of metrics.ts (global, injectable).
 */
@Global()
@Module({
  imports: [
    PrometheusModule.register({
      controller: MetricsController,
      path: '/metrics/prometheus',
      defaultMetrics: { enabled: true },
    }),
  ],
  providers: [...METRIC_PROVIDERS],
  exports: [...METRIC_PROVIDERS],
})
export class TelemetryModule {}
