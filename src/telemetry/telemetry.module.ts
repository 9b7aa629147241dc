import { Module } from '@nestjs/common';
import { GEN_AI_METRIC_PROVIDERS } from './gen-ai';
import { METRIC_PROVIDERS } from './metrics';
import { ServingState } from '../common/serving-state';
import { TenantLabels } from './tenant-labels';
import { TracingService } from './tracing.module';

/**
 * Metrics and traces for every module, in every mode: the ModelMuxer metrics of metrics.ts and
 * the GenAI client metrics of gen-ai.ts (injectable by the modules that import this one; served
 * by MetricsEndpointModule at GET /metrics/prometheus), the bounded tenant label (TenantLabels), the
 * process's draining state (ServingState: set on SIGTERM, read by the probes and the metrics), and the OpenTelemetry SDK exporting spans
 * when an OTLP endpoint is configured (TracingService).
 */
@Module({
  providers: [...METRIC_PROVIDERS, ...GEN_AI_METRIC_PROVIDERS, TracingService, TenantLabels, ServingState],
  exports: [...METRIC_PROVIDERS, ...GEN_AI_METRIC_PROVIDERS, TenantLabels, ServingState],
})
export class TelemetryModule {}
