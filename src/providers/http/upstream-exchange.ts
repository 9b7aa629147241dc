import { Logger } from '@nestjs/common';
import type { Dispatcher } from 'undici';
import type { EventSourceMessage } from 'eventsource-parser';
import type { ProviderCallOptions, ProviderError } from '../provider.types';
import type { ProviderKey } from '../../common/provider-keys';
import {
  clientAbortedError,
  HeaderRecord,
  malformedResponseError,
  parseRetryAfterMs,
  providerErrorFromStatus,
  providerErrorFromTransport,
  StatusOverrides,
  totalTimeoutError,
  upstreamErrorLogFields,
  UpstreamErrorInfo,
} from '../shared/provider-errors';
import { requestIdFromHeaders } from '../shared/upstream-text';
import { readSseEvents } from './sse';

/** Where and how to reach one provider (built once at start-up). */
export interface UpstreamEndpoint {
  provider: ProviderKey;
  dispatcher: Dispatcher;
  /** Path prefix from the base URL, without a trailing slash ("" or "/v1"). */
  basePath: string;
  /** Sent with every request: content-type, accept, auth, API version. */
  headers: Record<string, string>;
  /** Time allowed until the response headers, and between two body chunks. */
  firstByteMs: number;
  /** Time allowed for the whole exchange, body included. */
  totalMs: number;
}

/** Reads a provider's error body into UpstreamErrorInfo (each provider's `<name>.errors.ts`). */
export type ErrorBodyReader = (body: unknown, status: number) => UpstreamErrorInfo;

/** Error bodies are small; a misbehaving upstream must not make us buffer megabytes. */
const MAX_ERROR_BODY_CHARS = 64 * 1024;

const logger = new Logger('Upstream');

/**
 * One HTTP exchange with an upstream: POST a JSON body, then read JSON or server-sent events.
 * Owns the abort wiring: the client's signal and the total-time timer both abort the undici
 * request with a ProviderError as the reason (undici rethrows that reason from request() and
 * from body iteration). finish() must run when the caller is done (idempotent).
 */
export class UpstreamExchange {
  private finished = false;

  private constructor(
    readonly endpoint: UpstreamEndpoint,
    readonly status: number,
    readonly headers: HeaderRecord,
    private readonly body: Dispatcher.ResponseData['body'],
    private readonly release: () => void,
    /** The gateway's request id (for log lines). */
    private readonly requestId: string,
  ) {}

  static async post(
    endpoint: UpstreamEndpoint,
    path: string,
    payload: string,
    options: ProviderCallOptions,
  ): Promise<UpstreamExchange> {
    const { provider } = endpoint;
    if (options.signal.aborted) throw clientAbortedError(provider);
    const controller = new AbortController();
    const onClientAbort = (): void => controller.abort(clientAbortedError(provider));
    options.signal.addEventListener('abort', onClientAbort, { once: true });
    const timer = setTimeout(
      () => controller.abort(totalTimeoutError(provider, endpoint.totalMs)),
      endpoint.totalMs,
    );
    const release = (): void => {
      clearTimeout(timer);
      options.signal.removeEventListener('abort', onClientAbort);
    };
    try {
      const response = await endpoint.dispatcher.request({
        path: endpoint.basePath + path,
        method: 'POST',
        headers: endpoint.headers,
        body: payload,
        signal: controller.signal,
        headersTimeout: endpoint.firstByteMs,
        bodyTimeout: endpoint.firstByteMs,
      });
      return new UpstreamExchange(
        endpoint,
        response.statusCode,
        response.headers,
        response.body,
        release,
        options.requestId,
      );
    } catch (error) {
      release();
      throw providerErrorFromTransport(provider, error);
    }
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  get contentType(): string {
    const value = this.headers['content-type'];
    return (Array.isArray(value) ? value[0] : value) ?? '';
  }

  /** Reads and parses a JSON body (a 2xx answer). */
  async json(): Promise<unknown> {
    let text: string;
    try {
      text = await this.body.text();
    } catch (error) {
      throw providerErrorFromTransport(this.endpoint.provider, error);
    } finally {
      this.finish();
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw malformedResponseError(
        this.endpoint.provider,
        `the body is not JSON (${text.length} characters)`,
      );
    }
  }

  /**
   * Reads a non-2xx answer and maps it with the provider's error reader (the client sees our
   * message, see providerErrorFromStatus). One warn line records what the upstream said,
   * scrubbed, with its request id.
   */
  async error(read: ErrorBodyReader, overrides?: StatusOverrides): Promise<ProviderError> {
    let text = '';
    try {
      for await (const chunk of this.body) {
        text += (chunk as Buffer).toString('utf8');
        if (text.length > MAX_ERROR_BODY_CHARS) break;
      }
    } catch {
      // The status alone still classifies the error.
    } finally {
      this.finish();
    }
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text) as unknown;
    } catch {
      // Not JSON (a proxy's HTML page, plain text): the reader gets the raw text.
    }
    const info = read(parsed, this.status);
    info.requestId ??= requestIdFromHeaders(this.headers);
    const { provider } = this.endpoint;
    logger.warn({
      msg: 'upstream error',
      requestId: this.requestId,
      ...upstreamErrorLogFields(provider, this.status, info),
    });
    return providerErrorFromStatus(provider, this.status, info, parseRetryAfterMs(this.headers), overrides);
  }

  /** The body as server-sent events. Transport failures are thrown as ProviderErrors. */
  async *events(): AsyncGenerator<EventSourceMessage> {
    try {
      yield* readSseEvents(this.body);
    } catch (error) {
      throw providerErrorFromTransport(this.endpoint.provider, error);
    } finally {
      this.finish();
    }
  }

  /** Releases the timer and the abort listener; destroys an unread body (frees or drops the socket). */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.release();
    if (!this.body.readableEnded && !this.body.destroyed) this.body.destroy();
  }
}
