import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { anthropicErrorBody } from './anthropic-errors';
import { ErrorCode, GatewayError, OpenAIErrorBody } from './errors';
import type { JsonLimitError } from './json-limits';
import { allowedMethods } from './route-table';

/** Maps Nest's HTTP exceptions (thrown by the framework, not by our code) to gateway errors. */
function fromHttpException(exception: HttpException, request: Request): GatewayError {
  const status = exception.getStatus();
  if (exception instanceof ThrottlerException) {
    return new GatewayError(ErrorCode.RateLimited, 'Rate limit exceeded for this API key. Retry later.');
  }
  switch (status) {
    case 404: {
      const allowed = allowedMethods(request);
      if (allowed.length > 0) {
        return new GatewayError(
          ErrorCode.MethodNotAllowed,
          `Method ${request.method} is not allowed on ${request.path}.`,
          {
            headers: { allow: allowed.join(', ') },
          },
        );
      }
      return new GatewayError(ErrorCode.NotFound, `Unknown request URL: ${request.method} ${request.path}.`);
    }
    case 405:
      return new GatewayError(
        ErrorCode.MethodNotAllowed,
        `Method ${request.method} is not allowed on ${request.path}.`,
      );
    case 413:
      return new GatewayError(ErrorCode.PayloadTooLarge, 'Request body too large.');
    case 401:
      return new GatewayError(ErrorCode.InvalidApiKey, exception.message);
    case 403:
      return new GatewayError(ErrorCode.PermissionDenied, exception.message);
    case 429:
      return new GatewayError(ErrorCode.RateLimited, exception.message);
    case 503:
      return new GatewayError(ErrorCode.ServiceUnavailable, exception.message);
    default:
      if (status >= 400 && status < 500)
        return new GatewayError(ErrorCode.InvalidRequest, exception.message, { status });
      return new GatewayError(ErrorCode.Internal, 'The server had an error while processing your request.');
  }
}

/**
 * The one place errors become HTTP responses: every error is an OpenAI error object
 * {"error":{"message","type","param","code"}} with the matching status. Unknown errors are
 * logged and answered with a generic 500 (never leaking internals).
 */
@Catch()
export class OpenAIExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const context = host.switchToHttp();
    const request = context.getRequest<Request & { id?: string }>();
    const response = context.getResponse<Response>();
    const error = this.toGatewayError(exception, request);
    if (error.status >= 500) {
      this.logger.error({
        msg: 'request failed',
        requestId: request.id,
        code: error.code,
        status: error.status,
        error: exception instanceof Error ? (exception.stack ?? exception.message) : String(exception),
      });
    }
    sendError(response, error);
  }

  private toGatewayError(exception: unknown, request: Request): GatewayError {
    if (exception instanceof GatewayError) return exception;
    if (exception instanceof HttpException) return fromHttpException(exception, request);
    const bodyError = bodyParserError(exception);
    if (bodyError) return bodyError;
    return new GatewayError(ErrorCode.Internal, 'The server had an error while processing your request.', {
      cause: exception,
    });
  }
}

/**
 * Notes on the response the OpenAI error code it carries (also for an error event ending a
 * stream), for the HTTP telemetry: metrics and the access log label the response by it.
 */
export function markErrorCode(response: Response, code: string): void {
  response.locals.errorCode = code;
}

/** The error code markErrorCode noted on the response, if any. */
export function responseErrorCode(response: Response): string | undefined {
  const code = (response.locals as { errorCode?: unknown } | undefined)?.errorCode;
  return typeof code === 'string' ? code : undefined;
}

/** The error body formats: OpenAI's everywhere, Anthropic's on the Messages API routes. */
export type ErrorFormat = 'openai' | 'anthropic';

/**
 * Notes on the response which error body format its route speaks (set by a path middleware
 * before the body is parsed, so body-parser, guard and pipe errors are rendered alike).
 */
export function markErrorFormat(response: Response, format: ErrorFormat): void {
  response.locals.errorFormat = format;
}

function errorFormat(response: Response): ErrorFormat {
  return (response.locals as { errorFormat?: unknown } | undefined)?.errorFormat === 'anthropic'
    ? 'anthropic'
    : 'openai';
}

/**
 * Writes an error response — an OpenAI error object, or Anthropic's shape where the route said so
 * (markErrorFormat) — or, mid-stream, nothing: the stream writer handles that.
 */
export function sendError(
  response: Response,
  error: GatewayError,
  extraBody?: Record<string, unknown>,
): void {
  markErrorCode(response, error.code);
  if (response.headersSent) {
    if (!response.writableEnded) response.end();
    return;
  }
  for (const [name, value] of Object.entries(error.headers)) response.setHeader(name, value);
  if (error.retryAfter !== undefined)
    response.setHeader('retry-after', String(Math.max(0, Math.ceil(error.retryAfter))));
  if (errorFormat(response) === 'anthropic') {
    const requestId = (response.req as { id?: unknown } | undefined)?.id;
    const body = anthropicErrorBody(error, typeof requestId === 'string' ? requestId : undefined);
    response.status(error.status).json({ ...body, ...error.bodyExtras, ...extraBody });
    return;
  }
  const body: OpenAIErrorBody = { ...error.toBody(), ...error.bodyExtras, ...extraBody };
  response.status(error.status).json(body);
}

/** Errors raised by body-parser before routing (malformed JSON, too large, bad encoding, limits). */
export function bodyParserError(exception: unknown): GatewayError | null {
  if (typeof exception !== 'object' || exception === null) return null;
  const { type, message, limit, status, expose } = exception as {
    type?: unknown;
    message?: string;
    limit?: number;
    status?: unknown;
    expose?: unknown;
  };
  switch (type) {
    case 'entity.parse.failed':
      return new GatewayError(
        ErrorCode.InvalidJson,
        `We could not parse the JSON body of your request: ${message ?? 'invalid JSON'}. Send valid JSON.`,
      );
    case 'entity.too.large':
      return new GatewayError(
        ErrorCode.PayloadTooLarge,
        `Request body too large (limit ${limit ?? '?'} bytes).`,
      );
    case 'entity.json.limit':
      return jsonLimitError(exception as JsonLimitError);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new GatewayError(ErrorCode.InvalidRequest, message ?? 'Unsupported body encoding.', {
        status: 415,
      });
    case 'request.aborted':
      return new GatewayError(ErrorCode.InvalidRequest, 'Request aborted by the client.');
    case 'request.size.invalid':
      return new GatewayError(
        ErrorCode.InvalidRequest,
        'The request body does not match its Content-Length.',
      );
  }
  // Any other client error met while reading the body — typically a Content-Encoding (gzip,
  // deflate, br) whose data does not decompress (zlib codes Z_*, brotli ERR__*) — comes from
  // body-parser with a 4xx status (and its message replaced by "Bad Request").
  if (typeof status === 'number' && status >= 400 && status < 500 && expose === true) {
    const code = (exception as { code?: unknown }).code;
    const undecodable = typeof code === 'string' && /^(Z_|ERR__|ERR_BROTLI)/.test(code);
    return new GatewayError(
      ErrorCode.InvalidRequest,
      undecodable
        ? 'We could not decompress the body of your request: its Content-Encoding data is invalid.'
        : 'We could not read the body of your request.',
    );
  }
  return null;
}

function jsonLimitError(error: JsonLimitError): GatewayError {
  const code = error.kind === 'nodes' ? ErrorCode.PayloadTooLarge : ErrorCode.InvalidRequest;
  return new GatewayError(code, error.message);
}
