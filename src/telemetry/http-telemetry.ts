import { Logger } from '@nestjs/common';
import {
  context,
  propagation,
  ROOT_CONTEXT,
  Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import type { NextFunction, Request, Response } from 'express';
import type { Counter, Histogram } from 'prom-client';
import type { GatewayRequestState } from '../common/principal';
import { responseErrorCode } from '../common/openai-exception.filter';
import { elapsedMs } from '../common/time';
import { tracer } from './spans';

/** The label for a path no route matches (404s, scanners): one value, whatever the URL. */
export const UNMATCHED_ROUTE = 'unmatched';
/** The error-code label of a response that is not an error. */
export const NO_ERROR = 'none';
/** Status of a response the client abandoned before it was complete (nginx's convention). */
export const CLIENT_CLOSED = 499;

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
/** The routing headers of a response and the server-span attribute each becomes. */
const ROUTING_HEADERS = [
  ['x-modelmuxer-provider', 'modelmuxer.provider'],
  ['x-modelmuxer-model', 'modelmuxer.model'],
  ['x-modelmuxer-intent', 'modelmuxer.intent'],
] as const;
const SERVER_SPAN = { kind: SpanKind.SERVER };

/** Called for every finished response with its error code (NO_ERROR when none); must not throw. */
export type ResponseObserver = (request: Request, response: Response, errorCode: string) => void;

export interface HttpTelemetryMetrics {
  requests: Counter<string>;
  duration: Histogram<string>;
}

/** The label set of one response (every value bounded: see docs/operations.md). */
export interface HttpLabels {
  route: string;
  method: string;
  status: string;
  status_class: string;
  error_code: string;
}

interface RouteLayer {
  route?: { path?: unknown };
  match(path: string): unknown;
}

/**
 * The route template of a request: Express's matched route once routing ran; for a request
 * answered before routing (a body-parser 400/413) the template whose pattern matches the path;
 * otherwise UNMATCHED_ROUTE. Never the raw URL, so the label set is the route table.
 */
export function routeTemplate(request: Request): string {
  const matched = (request.route as { path?: unknown } | undefined)?.path;
  if (typeof matched === 'string') return matched;
  const router = (request.app as unknown as { router?: { stack?: RouteLayer[] } } | undefined)?.router;
  for (const layer of router?.stack ?? []) {
    if (layer.route && typeof layer.route.path === 'string' && layerMatches(layer, request.path)) {
      return layer.route.path;
    }
  }
  return UNMATCHED_ROUTE;
}

/**
 * Whether a route layer matches the path. Matching decodes the path's parameters, which throws
 * on malformed percent-encoding (`/v1/models/%ff`): such a path matches nothing here (this runs
 * in the response's `finish` handler, where a throw would crash the process).
 */
function layerMatches(layer: RouteLayer, path: string): boolean {
  try {
    return Boolean(layer.match(path));
  } catch {
    return false;
  }
}

export function httpLabels(request: Request, response: Response, status: number): HttpLabels {
  const code = responseErrorCode(response);
  return {
    route: routeTemplate(request),
    method: KNOWN_METHODS.has(request.method) ? request.method : 'OTHER',
    status: String(status),
    status_class: `${Math.floor(status / 100)}xx`,
    error_code: code ?? (status === CLIENT_CLOSED ? 'client_closed' : status >= 400 ? 'unknown' : NO_ERROR),
  };
}

/**
 * The HTTP-level telemetry of EVERY response, registered first (before the body parser, the
 * guards and routing), so that 401/403/429 refusals, body-parser 400/413, 404s, admin, health
 * and metrics routes are all seen:
 * - the server span (continuing a W3C `traceparent` from the client), active for everything
 *   the request runs — guards, pipeline steps, provider calls are its children;
 * - modelmuxer_http_requests_total and modelmuxer_http_request_duration_seconds by route
 *   template, method, status (class) and the OpenAI error code the response carries;
 * - one access-log line (at LOG_LEVEL info or more verbose).
 * All are closed when the response is — for a stream at its last byte; a response the client
 * abandoned counts as 499.
 */
export class HttpTelemetry {
  private readonly logger = new Logger('Access');

  constructor(
    private readonly metrics: HttpTelemetryMetrics,
    private readonly accessLog: boolean,
    /** E.g. the refusal counter of spend reports (wired in bootstrap.ts). */
    private readonly observer?: ResponseObserver,
  ) {}

  middleware() {
    return (request: Request, response: Response, next: NextFunction): void => {
      const state = request as Request & GatewayRequestState;
      const started = state.startedAt ?? process.hrtime.bigint();
      const parent = propagation.extract(ROOT_CONTEXT, request.headers);
      // The sampling decision is taken here, once per request; its attributes only when it records.
      const span = tracer.startSpan(request.method, SERVER_SPAN, parent);
      if (span.isRecording()) {
        span.setAttributes({
          'http.request.method': request.method,
          'url.path': request.path,
          'modelmuxer.request_id': state.id,
        });
      }
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        const status = response.writableFinished ? response.statusCode : CLIENT_CLOSED;
        const labels = httpLabels(request, response, status);
        const seconds = elapsedMs(started) / 1000;
        this.record(labels, seconds);
        this.observe(request, response, labels.error_code);
        if (this.accessLog) {
          this.logger.log({
            msg: 'request',
            requestId: state.id,
            method: request.method,
            route: labels.route,
            status,
            errorCode: labels.error_code === NO_ERROR ? undefined : labels.error_code,
            durationMs: Math.round(seconds * 1e5) / 100,
            tenant: state.principal?.tenantName,
            provider: response.getHeader('x-modelmuxer-provider'),
            model: response.getHeader('x-modelmuxer-model'),
            intent: response.getHeader('x-modelmuxer-intent'),
          });
        }
        endServerSpan(span, response, labels, status);
      };
      response.once('finish', finish);
      response.once('close', finish);
      if (!span.isRecording()) {
        next();
        return;
      }
      // Everything downstream (the body parser's stream callbacks included) runs in the span's context.
      const active = trace.setSpan(parent, span);
      context.bind(active, request);
      context.with(active, next);
    };
  }

  /**
   * A request Node's HTTP parser refused (malformed, headers too large) and answered on the
   * socket: no route and no method to trust, counted and logged all the same.
   */
  refusedByParser(status: number, errorCode: string): void {
    const labels: HttpLabels = {
      route: UNMATCHED_ROUTE,
      method: 'OTHER',
      status: String(status),
      status_class: `${Math.floor(status / 100)}xx`,
      error_code: errorCode,
    };
    this.record(labels, 0);
    if (this.accessLog) {
      this.logger.log({ msg: 'request', route: UNMATCHED_ROUTE, status, errorCode, durationMs: 0 });
    }
  }

  private observe(request: Request, response: Response, errorCode: string): void {
    if (!this.observer || errorCode === NO_ERROR) return;
    try {
      this.observer(request, response, errorCode);
    } catch (error) {
      // This runs in the response's finish handler, where a throw would crash the process.
      this.logger.warn(`response observer failed: ${(error as Error).message}`);
    }
  }

  private record(labels: HttpLabels, seconds: number): void {
    this.metrics.requests.inc(labels as unknown as Record<string, string>);
    this.metrics.duration.observe(
      { route: labels.route, method: labels.method, status_class: labels.status_class },
      seconds,
    );
  }
}

function endServerSpan(span: Span, response: Response, labels: HttpLabels, status: number): void {
  if (span.isRecording()) {
    span.updateName(labels.route === UNMATCHED_ROUTE ? labels.method : `${labels.method} ${labels.route}`);
    span.setAttribute('http.route', labels.route);
    span.setAttribute('http.response.status_code', status);
    for (const [header, attribute] of ROUTING_HEADERS) {
      const value = response.getHeader(header);
      if (typeof value === 'string') span.setAttribute(attribute, value);
    }
    if (labels.error_code !== NO_ERROR) span.setAttribute('error.type', labels.error_code);
    // Server spans: 5xx are errors, 4xx are the client's (the semantic conventions for HTTP).
    if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}
