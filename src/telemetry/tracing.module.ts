import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  CompositePropagator,
  getNumberFromEnv,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import {
  detectResources,
  envDetector,
  hostDetector,
  processDetector,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider, type Sampler } from '@opentelemetry/sdk-trace';
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
  samplerOverride?: Sampler;
}

/** The tracing SDK as started by the gateway: register its globals, flush and stop. */
export interface TracingSdk {
  start(): void;
  shutdown(): Promise<void>;
}

/** A non-negative OTEL_* number, as the OpenTelemetry SDK reads it (undefined: the SDK default). */
function nonNegativeFromEnv(name: string): number | undefined {
  const value = getNumberFromEnv(name);
  return value === undefined || value < 0 ? undefined : value;
}

/**
 * The SDK as the gateway runs it (also what bench/micro-telemetry.ts measures): the sampler of
 * OTEL_TRACES_SAMPLER(_ARG), a batch span processor (OTEL_BSP_* honoured: queue 2048 spans,
 * batches of 512, every 5 s by default; spans beyond a full queue are dropped, never buffered
 * without bound), OTLP/HTTP export, the resource of OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES
 * plus the process and host, the W3C trace-context and baggage propagators, async-local context.
 * No auto-instrumentation.
 *
 * Built from the tracing packages themselves, not `@opentelemetry/sdk-node`: NodeSDK also loads
 * the gRPC, protobuf and Zipkin exporters, the B3 and Jaeger propagators and the metrics and logs
 * SDKs, none of which the gateway uses (≈ 80 ms of start-up and ≈ 3.7 MB of heap).
 */
export function createTracingSdk(options: TracingSdkOptions): TracingSdk {
  let provider: TracerProvider | null = null;
  return {
    start() {
      const resource = resourceFromAttributes({
        [ATTR_SERVICE_NAME]: options.serviceName,
        [ATTR_SERVICE_VERSION]: APP_VERSION,
      }).merge(detectResources({ detectors: [envDetector, processDetector, hostDetector] }));
      provider = new TracerProvider({
        resource,
        sampler: options.samplerOverride ?? buildSampler(options.sampler),
        spanProcessors: [
          new BatchSpanProcessor({
            exporter: new OTLPTraceExporter({ url: options.endpoint, headers: options.headers }),
            maxQueueSize: nonNegativeFromEnv('OTEL_BSP_MAX_QUEUE_SIZE'),
            scheduledDelayMillis: nonNegativeFromEnv('OTEL_BSP_SCHEDULE_DELAY'),
            exportTimeoutMillis: nonNegativeFromEnv('OTEL_BSP_EXPORT_TIMEOUT'),
            maxExportBatchSize: nonNegativeFromEnv('OTEL_BSP_MAX_EXPORT_BATCH_SIZE'),
          }),
        ],
      });
      context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
      propagation.setGlobalPropagator(
        new CompositePropagator({
          propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
        }),
      );
      trace.setGlobalTracerProvider(provider);
    },
    async shutdown() {
      const stopping = provider;
      provider = null;
      await stopping?.shutdown();
    },
  };
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
  private sdk: TracingSdk | null = null;

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
