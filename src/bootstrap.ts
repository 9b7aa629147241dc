import { LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import express, { NextFunction, Request, Response } from 'express';
import { AppModule } from './app.modules';
import { InFlightRequests } from './common/graceful-shutdown';
import { bodyParserError, OpenAIExceptionFilter, sendError } from './common/openai-exception.filter';
import { requestContextMiddleware } from './common/request-context.middleware';
import type { AppConfig } from './config/app-config';

/**
 * Builds the HTTP application for a configuration (used by main.ts and by the e2e tests, so
 * both run exactly the same stack):
 *   request id + in-flight count → JSON body (BODY_LIMIT) → Nest routes
 * with the OpenAI error filter applied globally. There is deliberately no global validation
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
  app.use(requestContextMiddleware(app.get(InFlightRequests)));
  app.use(express.json({ limit: config.bodyLimitBytes, type: ['application/json', 'application/*+json'] }));
  // Body errors (malformed JSON, too large) happen before routing: answer them here.
  app.use((error: unknown, _request: Request, response: Response, next: NextFunction) => {
    const gatewayError = bodyParserError(error);
    if (!gatewayError) return next(error);
    sendError(response, gatewayError);
  });
  app.useGlobalFilters(new OpenAIExceptionFilter());
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  return app;
}
