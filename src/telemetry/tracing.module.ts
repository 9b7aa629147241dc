import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { AppConfig } from '../config/app-config';
import { APP_VERSION } from '../config/version';

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

/**
 * Starts the OpenTelemetry SDK (every mode) exporting spans over OTLP/HTTP when an exporter
 * endpoint is configured (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
 * the SDK honours the other standard OTEL_* variables: sampler, resource attributes, batch
 * sizes); the W3C trace-context propagator continues a client's `traceparent`. Without an
 * endpoint nothing is started and the spans created by the gateway stay no-ops (no cost). No
 * auto-instrumentation: the gateway creates its own spans (HTTP server span, pipeline steps,
 * GenAI client spans per provider attempt), which keeps the hot path lean.
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
    this.sdk = new NodeSDK({
      resource: resourceFromAttributes({
        [ATTR_SERVICE_NAME]: this.config.telemetry.serviceName,
        [ATTR_SERVICE_VERSION]: APP_VERSION,
      }),
      traceExporter: new OTLPTraceExporter({
        url: endpoint,
        headers: parseOtlpHeaders(this.config.telemetry.otlpHeaders),
      }),
      instrumentations: [],
    });
    this.sdk.start();
    this.logger.log(`tracing: exporting spans to ${endpoint}`);
  }

  async onApplicationShutdown(): Promise<void> {
    const sdk = this.sdk;
    this.sdk = null;
    await sdk?.shutdown().catch((error: Error) => this.logger.warn(`tracing shutdown: ${error.message}`));
  }
}
