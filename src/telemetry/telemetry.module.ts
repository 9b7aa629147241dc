import { Global, Module } from '@nestjs/common';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { OpenTelemetryModule } from 'nestjs-otel';
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
    // TraceService and @Span() for every module; spans are no-ops until TracingModule starts the SDK.
    OpenTelemetryModule.forRoot(),
  ],
  providers: [...METRIC_PROVIDERS],
  exports: [...METRIC_PROVIDERS],
})
export class TelemetryModule {}
