import { LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import express, { NextFunction, Request, Response } from 'express';
import { STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { AppModule } from './app.modules';
import { ErrorCode, GatewayError } from './common/errors';
import { InFlightRequests } from './server/graceful-shutdown';
import { ServingState } from './common/serving-state';
import { jsonLimitCrossed } from './common/json-limits';
import {
  bodyParserError,
  markErrorFormat,
  OpenAIExceptionFilter,
  sendError,
} from './common/openai-exception.filter';
import { MESSAGES_ROUTE_PREFIX } from './chat/anthropic-in/messages.controller';
import { requestContextMiddleware } from './server/request-context.middleware';
import type { AppConfig } from './config/app-config';
import { getToken } from '@willsoto/nestjs-prometheus';
import type { Counter, Histogram } from 'prom-client';
import { METRIC } from './telemetry/metrics';
import { HttpTelemetry } from './telemetry/http-telemetry';
import { USAGE_RECORDER, type UsageRecorder } from './billing/billing.types';
import { refusalCounter } from './billing/usage/refusals';

/**
 * Builds the HTTP application for a configuration (used by main.ts and by the e2e tests, so
 * both run exactly the same stack):
 *   request id + in-flight count → HTTP telemetry (span, metrics, access log of every
 *   response, refusals counted for spend reports) → JSON body (BODY_LIMIT after decompression; shape limits
 *   JSON_MAX_* checked on the raw bytes before parsing) → Nest routes
 * with the OpenAI error filter applied globally, and malformed HTTP (bad header bytes, headers
 * too large) answered with an OpenAI error too. There is deliberately no global validation
 * pipe: each route validates with its own (the chat body keeps unknown fields; admin DTOs
 * refuse them), and a global whitelist pipe would strip fields before the strict one sees them.
 */
export async function createApp(
  config: AppConfig,
  logger: LoggerService | false,
): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forConfig(config), {
    bodyParser: false,
    logger,
    abortOnError: false,
  });
  const http = app.getHttpAdapter().getInstance() as express.Express;
  http.disable('x-powered-by');
  http.set('etag', false);
  // request.ip: the TCP peer, or the client named by the TRUST_PROXY proxies' X-Forwarded-For.
  http.set('trust proxy', config.auth.trustProxy);
  app.use(requestContextMiddleware(app.get(InFlightRequests), app.get(ServingState)));
  const httpTelemetry = new HttpTelemetry(
    {
      requests: app.get<Counter<string>>(getToken(METRIC.httpRequests)),
      duration: app.get<Histogram<string>>(getToken(METRIC.httpDuration)),
    },
    ['trace', 'debug', 'info'].includes(config.logLevel),
    refusalCounter(app.get<UsageRecorder>(USAGE_RECORDER)),
  );
  app.use(httpTelemetry.middleware());
  // Anthropic's Messages API routes answer errors in Anthropic's shape, from the body parser on,
  // and name the request in Anthropic's request-id header too (the SDK reads it).
  app.use(
    MESSAGES_ROUTE_PREFIX,
    (request: Request & { id?: string }, response: Response, next: NextFunction) => {
      markErrorFormat(response, 'anthropic');
      if (request.id) response.setHeader('request-id', request.id);
      next();
    },
  );
  const shape = {
    maxDepth: config.limits.jsonMaxDepth,
    maxNodes: config.limits.jsonMaxNodes,
    maxKeys: config.limits.jsonMaxKeys,
  };
  app.use(
    express.json({
      limit: config.bodyLimitBytes,
      type: ['application/json', 'application/*+json'],
      verify: (_request: IncomingMessage, _response: unknown, body: Buffer) => {
        const crossed = jsonLimitCrossed(body, shape);
        if (crossed) throw crossed;
      },
    }),
  );
  // Body errors (malformed JSON, too large, undecodable, over a limit) happen before routing:
  // answer them here.
  app.use((error: unknown, _request: Request, response: Response, next: NextFunction) => {
    const gatewayError = bodyParserError(error);
    if (!gatewayError) return next(error);
    sendError(response, gatewayError);
  });
  app.useGlobalFilters(new OpenAIExceptionFilter());
  answerClientErrors(app.getHttpServer() as Server, (status, code) =>
    httpTelemetry.refusedByParser(status, code),
  );
  // SIGTERM/SIGINT are handled by main.ts (handleShutdownSignals: readiness fails first, then
  // drain, then app.close()); tests close their apps themselves.
  return app;
}

/**
 * Requests Node's HTTP parser refuses before any route sees them (invalid header bytes,
 * headers over the size limit, a malformed request line) get an OpenAI error body too,
 * instead of Node's bare "400 Bad Request".
 */
function answerClientErrors(server: Server, counted: (status: number, code: string) => void): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
    const status = tooLarge ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const gatewayError = new GatewayError(
      ErrorCode.InvalidRequest,
      tooLarge ? 'Request headers too large.' : 'Malformed HTTP request.',
      { status },
    );
    const body = JSON.stringify(gatewayError.toBody());
    counted(status, gatewayError.code);
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
}
