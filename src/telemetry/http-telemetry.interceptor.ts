import { CallHandler, ExecutionContext, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Request, Response } from 'express';
import type { Counter, Histogram } from 'prom-client';
import type { Observable } from 'rxjs';
import type { GatewayRequestState } from '../auth/auth.types';
import { METRIC } from './metrics';

const tracer = trace.getTracer('modelmuxer');

/**
 * Around the chat controller: one access-log line, one span per request (`POST /v1/chat/completions`, with the
 * request id, status and the routing headers as attributes) and the HTTP metrics. Both are
 * finished when the response is (for streams, at the last byte), so errors rendered by the
 * exception filter and client disconnects are counted with their real status.
 */
@Injectable()
export class HttpTelemetryInterceptor implements NestInterceptor {
  private readonly accessLog = new Logger('Access');

  constructor(
    @InjectMetric(METRIC.httpRequests) private readonly requests: Counter<string>,
    @InjectMetric(METRIC.httpDuration) private readonly duration: Histogram<string>,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
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
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.requests.inc(labels);
      this.duration.observe(labels, seconds);
      // One structured line per API request: ids and routing, never prompts or keys.
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
      if (span.isRecording()) {
        span.setAttribute('http.response.status_code', status);
        for (const header of ['x-modelmuxer-provider', 'x-modelmuxer-model', 'x-modelmuxer-intent']) {
          const value = response.getHeader(header);
          if (typeof value === 'string')
            span.setAttribute(header.replace('x-', '').replace(/-/g, '.'), value);
        }
        if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      }
      span.end();
    };
    response.on('finish', finish);
    response.on('close', finish);
    return next.handle();
  }
}
