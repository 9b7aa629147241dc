import { Global, Module } from '@nestjs/common';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { GEN_AI_METRIC_PROVIDERS } from './gen-ai';
import { METRIC_PROVIDERS } from './metrics';
import { MetricsController } from './metrics.controller';
import { ServingState } from '../common/serving-state';
import { TenantLabels } from './tenant-labels';
import { TracingService } from './tracing.module';

/**
 * Metrics and traces for every module, in every mode: Prometheus registry with default process
 * metrics, served at GET /metrics/prometheus, the ModelMuxer metrics of metrics.ts and the GenAI
 * client metrics of gen-ai.ts (global, injectable), the bounded tenant label (TenantLabels), the
 * process's draining state (ServingState: set on SIGTERM, read by the probes and the metrics), and the OpenTelemetry SDK exporting spans
 * when an OTLP endpoint is configured (TracingService).
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
  providers: [...METRIC_PROVIDERS, ...GEN_AI_METRIC_PROVIDERS, TracingService, TenantLabels, ServingState],
  exports: [...METRIC_PROVIDERS, ...GEN_AI_METRIC_PROVIDERS, TenantLabels, ServingState],
})
export class TelemetryModule {}
