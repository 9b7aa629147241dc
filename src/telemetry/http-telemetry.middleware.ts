import { Injectable, Logger, NestMiddleware } from '@nestjs/common';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { NextFunction, Request, Response } from 'express';
import type { Counter, Histogram } from 'prom-client';
import type { GatewayRequestState } from '../auth/auth.types';
import { AppConfig } from '../config/app-config';
import { METRIC } from './metrics';

const tracer = trace.getTracer('modelmuxer');
const ROUTING_HEADERS = ['x-modelmuxer-provider', 'x-modelmuxer-model', 'x-modelmuxer-intent'] as const;

/**
 * Around the OpenAI-compatible API (/v1/*): the request span — made the active context for
 * everything downstream, so intent.classify and provider.call spans are its children — the
 * HTTP metrics, and one access-log line. All three are closed when the response is (for
 * streams, at the last byte), so errors rendered by the exception filter and client
 * disconnects (status 499) are counted as they really ended.
 *
 * A middleware rather than a Nest interceptor: an interceptor makes Nest wrap every call of
 * the route in rxjs and AsyncResource bindings, a measurable share of the gateway's CPU.
 */
@Injectable()
export class HttpTelemetryMiddleware implements NestMiddleware {
  private readonly accessLog = new Logger('Access');
  private readonly accessLogEnabled: boolean;

  constructor(
    @InjectMetric(METRIC.httpRequests) private readonly requests: Counter<string>,
    @InjectMetric(METRIC.httpDuration) private readonly duration: Histogram<string>,
    config: AppConfig,
  ) {
    this.accessLogEnabled = ['trace', 'debug', 'info'].includes(config.logLevel);
  }

  use(request: Request & GatewayRequestState, response: Response, next: NextFunction): void {
    const span = tracer.startSpan(`${request.method} ${request.path}`, {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': request.method, 'modelmuxer.request_id': request.id },
    });
    const started = request.startedAt ?? process.hrtime.bigint();
    const finish = () => {
      response.off('finish', finish);
      response.off('close', finish);
      const status = response.writableFinished ? response.statusCode : 499;
      // The route pattern, not the URL: bounded label cardinality.
      const route = (request.route as { path?: string } | undefined)?.path ?? 'unmatched';
      const labels = { route, method: request.method, status: String(status) };
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.requests.inc(labels);
      this.duration.observe(labels, seconds);
      if (this.accessLogEnabled) this.logAccess(request, response, route, status, seconds);
      this.endSpan(span, response, `${request.method} ${route}`, route, status);
    };
    response.on('finish', finish);
    response.on('close', finish);
    context.with(trace.setSpan(context.active(), span), next);
  }

  /** One structured line per API request: ids and routing, never prompts or keys. */
  private logAccess(
    request: Request & GatewayRequestState,
    response: Response,
    route: string,
    status: number,
    seconds: number,
  ): void {
    this.accessLog.log({
      msg: 'request',
      requestId: request.id,
      method: request.method,
      route,
      status,
      durationMs: Math.round(seconds * 1e5) / 100,
      tenant: request.principal?.tenantName,
      provider: response.getHeader('x-modelmuxer-provider'),
      model: response.getHeader('x-modelmuxer-model'),
      intent: response.getHeader('x-modelmuxer-intent'),
    });
  }

  private endSpan(
    span: ReturnType<typeof tracer.startSpan>,
    response: Response,
    name: string,
    route: string,
    status: number,
  ): void {
    if (span.isRecording()) {
      span.updateName(name);
      span.setAttribute('http.route', route);
      span.setAttribute('http.response.status_code', status);
      for (const header of ROUTING_HEADERS) {
        const value = response.getHeader(header);
        if (typeof value === 'string') span.setAttribute(header.slice(2).replace(/-/g, '.'), value);
      }
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end();
  }
}
