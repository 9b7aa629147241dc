import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK, tracing } from '@opentelemetry/sdk-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { AppConfig } from '../config/app-config';
import { APP_VERSION } from '../config/version';
import { buildSampler, describeSampler, type SamplerSettings } from './sampler';

/** "k1=v1,k2=v2" (the OTEL_EXPORTER_OTLP_HEADERS format) → a header object. */
export function parseOtlpHeaders(value: string | null): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of (value ?? '').split(',')) {
    const index = pair.indexOf('=');
    if (index <= 0) continue;
    headers[decodeURIComponent(pair.slice(0, index).trim())] = decodeURIComponent(
      pair.slice(index + 1).trim(),
    );
  }
  return headers;
}

export interface TracingSdkOptions {
  serviceName: string;
  /** The OTLP/HTTP traces URL. */
  endpoint: string;
  headers: Record<string, string>;
  sampler: SamplerSettings;
  /** Instead of the sampler of `sampler` (the benchmark switches samplers within one SDK). */
  samplerOverride?: tracing.Sampler;
}

/**
 * The SDK as the gateway runs it (also what bench/micro-telemetry.ts measures): the sampler of
 * OTEL_TRACES_SAMPLER(_ARG), the batch span processor of the SDK (OTEL_BSP_* honoured: queue
 * 2048 spans, batches of 512, every 5 s by default; spans beyond a full queue are dropped, never
 * buffered without bound), OTLP/HTTP export. No auto-instrumentation.
 */
export function createTracingSdk(options: TracingSdkOptions): NodeSDK {
  return new NodeSDK({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: options.serviceName,
      [ATTR_SERVICE_VERSION]: APP_VERSION,
    }),
    sampler: options.samplerOverride ?? buildSampler(options.sampler),
    traceExporter: new OTLPTraceExporter({ url: options.endpoint, headers: options.headers }),
    instrumentations: [],
  });
}

/**
 * Starts the OpenTelemetry SDK (every mode) exporting spans over OTLP/HTTP when an exporter
 * endpoint is configured (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
 * the SDK honours the other standard OTEL_* variables: resource attributes, batch sizes); the
 * sampler is OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG (default parentbased_traceidratio
 * 0.05); the W3C trace-context propagator continues a client's `traceparent`. Without an
 * endpoint nothing is started and the spans created by the gateway stay no-ops (no cost). No
 * auto-instrumentation: the gateway creates its own spans (HTTP server span, pipeline steps,
 * GenAI client spans per provider attempt), only for requests that are sampled.
 */
@Injectable()
export class TracingService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Tracing');
  private sdk: NodeSDK | null = null;

  constructor(private readonly config: AppConfig) {}

  onModuleInit(): void {
    const endpoint = this.config.telemetry.otlpTracesEndpoint;
    if (!endpoint) {
      this.logger.log('tracing: no OTLP endpoint configured, spans are not exported');
      return;
    }
    const { serviceName, otlpHeaders, sampler } = this.config.telemetry;
    this.sdk = createTracingSdk({ serviceName, endpoint, headers: parseOtlpHeaders(otlpHeaders), sampler });
    this.sdk.start();
    this.logger.log(`tracing: exporting spans to ${endpoint} (sampler ${describeSampler(sampler)})`);
  }

  async onApplicationShutdown(): Promise<void> {
    const sdk = this.sdk;
    this.sdk = null;
    await sdk?.shutdown().catch((error: Error) => this.logger.warn(`tracing shutdown: ${error.message}`));
  }
}
