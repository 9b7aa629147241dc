import { CallHandler, ExecutionContext, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import { context, Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Request, Response } from 'express';
import type { Counter, Histogram } from 'prom-client';
import { Observable } from 'rxjs';
import type { GatewayRequestState } from '../common/principal';
import { elapsedMs } from '../common/time';
import { AppConfig } from '../config/app-config';
import { METRIC } from './metrics';

const tracer = trace.getTracer('modelmuxer');
const ROUTING_HEADERS = ['x-modelmuxer-provider', 'x-modelmuxer-model', 'x-modelmuxer-intent'] as const;

/**
 * Around the chat and models controllers (the design card: interceptors emit metrics and traces
 * around the chat controller): the request span — the active trace context of the handler, so
 * intent.classify and provider.call spans are its children — the HTTP metrics, and one
 * access-log line. All three are closed when the response is (for streams, at the last byte),
 * so errors rendered by the exception filter and client disconnects (status 499) are counted as
 * they really ended.
 */
@Injectable()
export class HttpTelemetryInterceptor implements NestInterceptor {
  private readonly accessLog = new Logger('Access');
  private readonly accessLogEnabled: boolean;

  constructor(
    @InjectMetric(METRIC.httpRequests) private readonly requests: Counter<string>,
    @InjectMetric(METRIC.httpDuration) private readonly duration: Histogram<string>,
    config: AppConfig,
  ) {
    this.accessLogEnabled = ['trace', 'debug', 'info'].includes(config.logLevel);
  }

  intercept(execution: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = execution.switchToHttp();
    const request = http.getRequest<Request & GatewayRequestState>();
    const response = http.getResponse<Response>();
    // The route pattern, not the URL: bounded label cardinality.
    const route = (request.route as { path?: string } | undefined)?.path ?? 'unmatched';
    const span = tracer.startSpan(`${request.method} ${route}`, {
      kind: SpanKind.SERVER,
      attributes: {
        'http.request.method': request.method,
        'http.route': route,
        'modelmuxer.request_id': request.id,
      },
    });
    const started = request.startedAt ?? process.hrtime.bigint();
    const finish = () => {
      response.off('finish', finish);
      response.off('close', finish);
      const status = response.writableFinished ? response.statusCode : 499;
      const labels = { route, method: request.method, status: String(status) };
      const seconds = elapsedMs(started) / 1000;
      this.requests.inc(labels);
      this.duration.observe(labels, seconds);
      if (this.accessLogEnabled) this.logAccess(request, response, route, status, seconds);
      endSpan(span, response, status);
    };
    response.on('finish', finish);
    response.on('close', finish);
    // Run the handler inside the span's context, so that its spans are children of this one.
    const active = trace.setSpan(context.active(), span);
    return new Observable((subscriber) => context.with(active, () => next.handle().subscribe(subscriber)));
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
}

function endSpan(span: Span, response: Response, status: number): void {
  if (span.isRecording()) {
    span.setAttribute('http.response.status_code', status);
    for (const header of ROUTING_HEADERS) {
      const value = response.getHeader(header);
      if (typeof value === 'string') span.setAttribute(header.slice(2).replace(/-/g, '.'), value);
    }
    if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}
