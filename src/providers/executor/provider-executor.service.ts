import { Inject, Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Counter, Histogram } from 'prom-client';
import type { ChatCompletionChunk, ChatCompletionRequest } from '../../common/openai/chat.types';
import { ErrorCode, GatewayError } from '../../common/errors';
import { AppConfig } from '../../config/app-config';
import { METRIC } from '../../telemetry/metrics';
import {
  CHAT_OPERATION,
  completionResponse,
  GEN_AI,
  GEN_AI_METRIC,
  genAiProviderName,
  genAiRequestAttributes,
  setGenAiResponse,
  StreamResponse,
  type GenAiResponse,
} from '../../telemetry/gen-ai';
import { PROVIDER_REGISTRY, ProviderError } from '../provider.types';
import type {
  AttemptRecord,
  CompletionExecution,
  ProviderAdapter,
  ProviderCallOptions,
  ProviderExecutor,
  ProviderRegistry,
  ProviderRequest,
  ProviderTarget,
  StreamExecution,
} from '../provider.types';
import type { ProviderKey } from '../../common/provider-keys';
import { clientAbortedError } from '../shared/provider-errors';
import type { CircuitPermit } from './circuit-breaker';
import { CircuitBreakers } from './circuit-breakers.service';
import {
  asProviderError,
  canFallBack,
  countsAgainstCircuit,
  retryDelayMs,
  RetrySettings,
} from './execution-policy';

/** What one successful walk of the chain produced (before the caller finishes up). */
interface Walked<T, P extends ProviderTarget = ProviderTarget> {
  target: P;
  result: T;
  attempts: AttemptRecord[];
  permit: CircuitPermit;
  /** When the successful call started (for its duration metric). */
  callStartedAt: number;
  upstreamMs: number;
  /** The client span of the successful attempt: ended with the response (a stream: at its end). */
  span: Span;
}

interface OpenedStream {
  first: ChatCompletionChunk;
  iterator: AsyncIterator<ChatCompletionChunk>;
}

type Call<T> = (
  adapter: ProviderAdapter,
  request: ProviderRequest,
  options: ProviderCallOptions,
) => Promise<T>;

const tracer = trace.getTracer('modelmuxer');

function round1(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/** Waits, unless the client goes away first. */
function sleep(ms: number, signal: AbortSignal, provider: ProviderKey): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(clientAbortedError(provider));
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(clientAbortedError(provider));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs a request along the router's chain of targets: per target, circuit check → call →
 * retries with backoff (429/5xx/timeouts/connection errors, retry-after honoured) → on
 * failure, fallback to the next target. Streams are only retried before their first chunk:
 * once a chunk is handed over, a failure ends the stream with provider_stream_error.
 */
@Injectable()
export class ProviderExecutorService implements ProviderExecutor {
  /** Jitter source; replaceable in tests. */
  random: () => number = Math.random;

  constructor(
    private readonly config: AppConfig,
    @Inject(PROVIDER_REGISTRY) private readonly registry: ProviderRegistry,
    private readonly circuits: CircuitBreakers,
    @InjectMetric(METRIC.providerRequests) private readonly requestsMetric: Counter<string>,
    @InjectMetric(METRIC.providerDuration) private readonly durationMetric: Histogram<string>,
    @InjectMetric(METRIC.providerRetries) private readonly retriesMetric: Counter<string>,
    @InjectMetric(METRIC.providerFallbacks) private readonly fallbacksMetric: Counter<string>,
    @InjectMetric(GEN_AI_METRIC.tokenUsage) private readonly genAiTokens: Histogram<string>,
    @InjectMetric(GEN_AI_METRIC.operationDuration) private readonly genAiDuration: Histogram<string>,
    @InjectMetric(GEN_AI_METRIC.timeToFirstChunk) private readonly genAiFirstChunk: Histogram<string>,
  ) {}

  isProviderConfigured(provider: ProviderKey): boolean {
    return this.registry.isConfigured(provider);
  }

  isCircuitOpen(target: ProviderTarget): boolean {
    return this.circuits.isOpen(target);
  }

  async complete<P extends ProviderTarget>(
    chain: P[],
    request: ChatCompletionRequest,
    options: ProviderCallOptions,
  ): Promise<CompletionExecution<P>> {
    const walked = await this.walk(chain, request, options, (adapter, req, opts) =>
      adapter.complete(req, opts),
    );
    this.finishCall(walked.target, walked.permit, 'ok', walked.callStartedAt);
    this.endAttempt(walked.span, walked.target, walked.callStartedAt, completionResponse(walked.result));
    return {
      target: walked.target,
      completion: walked.result,
      attempts: walked.attempts,
      upstreamMs: walked.upstreamMs,
    };
  }

  async stream<P extends ProviderTarget>(
    chain: P[],
    request: ChatCompletionRequest,
    options: ProviderCallOptions,
  ): Promise<StreamExecution<P>> {
    const startedAt = performance.now();
    const walked = await this.walk(chain, request, options, openStream);
    const firstChunkSeconds = (performance.now() - walked.callStartedAt) / 1000;
    this.genAiFirstChunk.observe(genAiLabels(walked.target), firstChunkSeconds);
    walked.span.setAttribute('modelmuxer.time_to_first_chunk_ms', round1(firstChunkSeconds * 1000));
    walked.span.addEvent('gen_ai.first_chunk');
    return {
      target: walked.target,
      attempts: walked.attempts,
      firstChunkMs: performance.now() - startedAt,
      chunks: this.relay(walked, options.signal),
    };
  }

  /** Walks the chain until one call succeeds; throws the deciding error (with `attempts`). */
  private async walk<T, P extends ProviderTarget>(
    chain: P[],
    request: ChatCompletionRequest,
    options: ProviderCallOptions,
    call: Call<T>,
  ): Promise<Walked<T, P>> {
    if (chain.length === 0)
      throw new GatewayError(ErrorCode.NoProviderAvailable, 'no provider can serve this request');
    const settings: RetrySettings = this.config.providers.retries;
    const attempts: AttemptRecord[] = [];
    let upstreamMs = 0;
    let lastError: ProviderError | null = null;

    for (let i = 0; i < chain.length; i++) {
      const target = chain[i];
      const labels = { provider: target.provider, model: target.model };
      const adapter = this.registry.get(target.provider);
      if (!adapter.configured) {
        attempts.push({
          ...labels,
          outcome: 'error',
          error_code: ErrorCode.NoProviderAvailable,
          retries: 0,
          latency_ms: 0,
        });
        lastError ??= new ProviderError(
          target.provider,
          ErrorCode.NoProviderAvailable,
          `${target.provider} is not configured`,
          { retryable: false },
        );
        continue;
      }
      const providerRequest: ProviderRequest = { ...request, model: target.upstreamModel };
      const callOptions: ProviderCallOptions = {
        signal: options.signal,
        requestId: options.requestId,
        maxOutputTokens: target.maxOutputTokens,
      };
      const targetStartedAt = performance.now();
      let retry = 0;
      for (;;) {
        const permit = this.circuits.acquire(target);
        if (permit === null) {
          if (retry === 0) {
            attempts.push({ ...labels, outcome: 'skipped_circuit_open', retries: 0, latency_ms: 0 });
            lastError ??= new ProviderError(
              target.provider,
              ErrorCode.NoProviderAvailable,
              `the circuit of ${target.provider}/${target.model} is open`,
              {
                retryable: false,
              },
            );
          } else {
            // Our own failures just opened it: stop retrying this target.
            attempts.push({
              ...labels,
              outcome: 'error',
              error_code: lastError?.code,
              status: lastError?.upstreamStatus,
              retries: retry,
              latency_ms: round1(performance.now() - targetStartedAt),
            });
            if (i < chain.length - 1) this.fallbacksMetric.inc(labels);
          }
          break;
        }
        const callStartedAt = performance.now();
        // The GenAI client span of this attempt: "{operation} {model}" (semantic conventions).
        const span = tracer.startSpan(`${CHAT_OPERATION} ${target.upstreamModel}`, {
          kind: SpanKind.CLIENT,
          attributes: {
            ...genAiRequestAttributes(request, target.provider, target.upstreamModel, this.baseUrl(target)),
            ...options.spanAttributes,
            'modelmuxer.provider': target.provider,
            'modelmuxer.model': target.model,
            'modelmuxer.retry': retry,
            'modelmuxer.fallback_index': i,
          },
        });
        try {
          const result = await call(adapter, providerRequest, callOptions);
          const now = performance.now();
          upstreamMs += now - callStartedAt;
          attempts.push({
            ...labels,
            outcome: 'ok',
            retries: retry,
            latency_ms: round1(now - targetStartedAt),
          });
          return { target, result, attempts, permit, callStartedAt, upstreamMs, span };
        } catch (raw) {
          const error = asProviderError(target.provider, raw);
          this.failAttempt(span, target, callStartedAt, error.code);
          upstreamMs += performance.now() - callStartedAt;
          if (options.signal.aborted) {
            this.finishCall(target, permit, 'aborted', callStartedAt);
            attempts.push({
              ...labels,
              outcome: 'error',
              error_code: error.code,
              retries: retry,
              latency_ms: round1(performance.now() - targetStartedAt),
            });
            throw withAttempts(clientAbortedError(target.provider), attempts);
          }
          this.finishCall(target, permit, error, callStartedAt);
          lastError = error;
          const delay = retryDelayMs(error, retry, settings, this.random);
          if (delay !== null) {
            this.retriesMetric.inc({ ...labels, reason: error.code });
            const sleptAt = performance.now();
            try {
              await sleep(delay, options.signal, target.provider);
            } catch (aborted) {
              throw withAttempts(aborted as ProviderError, attempts);
            }
            upstreamMs += performance.now() - sleptAt;
            retry += 1;
            continue;
          }
          attempts.push({
            ...labels,
            outcome: 'error',
            error_code: error.code,
            status: error.upstreamStatus,
            retries: retry,
            latency_ms: round1(performance.now() - targetStartedAt),
          });
          if (!canFallBack(error)) throw withAttempts(error, attempts);
          if (i < chain.length - 1) this.fallbacksMetric.inc(labels);
          break;
        }
      }
    }
    throw withAttempts(lastError!, attempts);
  }

  /** Metrics and circuit verdict of one finished upstream call. */
  private finishCall(
    target: ProviderTarget,
    permit: CircuitPermit,
    outcome: 'ok' | 'aborted' | ProviderError,
    callStartedAt: number,
  ): void {
    const labels = { provider: target.provider, model: target.model };
    this.durationMetric.observe(labels, (performance.now() - callStartedAt) / 1000);
    if (outcome === 'ok') {
      this.requestsMetric.inc({ ...labels, outcome: 'ok' });
      this.circuits.success(target, permit);
    } else if (outcome === 'aborted') {
      this.requestsMetric.inc({ ...labels, outcome: 'aborted' });
      this.circuits.release(target, permit);
    } else {
      this.requestsMetric.inc({ ...labels, outcome: outcome.code });
      if (countsAgainstCircuit(outcome)) this.circuits.failure(target, permit);
      else this.circuits.release(target, permit);
    }
  }

  /**
   * The stream after its first chunk. Its end (or failure, or the consumer stopping early)
   * settles the call's metrics and circuit verdict; stopping early closes the adapter's
   * iterator, which aborts the upstream request.
   */
  private async *relay(
    walked: Walked<OpenedStream>,
    signal: AbortSignal,
  ): AsyncGenerator<ChatCompletionChunk> {
    const { target, permit, callStartedAt, span } = walked;
    const { first, iterator } = walked.result;
    const response = new StreamResponse();
    let outcome: 'ok' | 'aborted' | ProviderError = 'aborted';
    try {
      response.observe(first);
      yield first;
      for (;;) {
        const next = await iterator.next();
        if (next.done) break;
        response.observe(next.value);
        yield next.value;
      }
      outcome = 'ok';
    } catch (raw) {
      const error = asProviderError(target.provider, raw);
      const streamFailure =
        error.code === ErrorCode.ProviderStreamError
          ? error
          : new ProviderError(target.provider, ErrorCode.ProviderStreamError, error.message, {
              retryable: false,
              cause: error,
            });
      outcome = signal.aborted ? 'aborted' : streamFailure;
      throw streamFailure;
    } finally {
      if (outcome === 'aborted') await iterator.return?.();
      this.finishCall(target, permit, outcome, callStartedAt);
      // The stream's span ends with the stream (not at its first chunk).
      setGenAiResponse(span, response);
      if (outcome === 'ok') this.endAttempt(span, target, callStartedAt, response);
      else
        this.failAttempt(span, target, callStartedAt, outcome === 'aborted' ? 'client_closed' : outcome.code);
    }
  }

  /** server.address/port of a provider (none for the in-process simulator of TEST_MODE). */
  private baseUrl(target: ProviderTarget): string | null {
    if (this.config.testMode) return null;
    return this.config.providers[target.provider].baseUrl ?? null;
  }

  /** Ends a successful attempt's span with the response attributes; the GenAI metrics. */
  private endAttempt(
    span: Span,
    target: ProviderTarget,
    callStartedAt: number,
    response: GenAiResponse,
  ): void {
    setGenAiResponse(span, response);
    span.end();
    const labels = genAiLabels(target);
    this.genAiDuration.observe({ ...labels, error_type: '' }, (performance.now() - callStartedAt) / 1000);
    const usage = response.usage;
    if (usage && Number.isFinite(usage.prompt_tokens))
      this.genAiTokens.observe({ ...labels, gen_ai_token_type: 'input' }, usage.prompt_tokens);
    if (usage && Number.isFinite(usage.completion_tokens))
      this.genAiTokens.observe({ ...labels, gen_ai_token_type: 'output' }, usage.completion_tokens);
  }

  /** Ends a failed attempt's span: error.type is the gateway's error code (bounded). */
  private failAttempt(span: Span, target: ProviderTarget, callStartedAt: number, errorType: string): void {
    span.setAttribute(GEN_AI.errorType, errorType);
    span.setStatus({ code: SpanStatusCode.ERROR, message: errorType });
    span.end();
    this.genAiDuration.observe(
      { ...genAiLabels(target), error_type: errorType },
      (performance.now() - callStartedAt) / 1000,
    );
  }
}

/** Opens an adapter stream and waits for its first chunk (failures up to here are retryable). */
async function openStream(
  adapter: ProviderAdapter,
  request: ProviderRequest,
  options: ProviderCallOptions,
): Promise<OpenedStream> {
  const iterator = adapter.stream(request, options)[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) {
    throw new ProviderError(
      adapter.key,
      ErrorCode.ProviderUnavailable,
      `${adapter.key} ended the stream without any chunk`,
      { retryable: true },
    );
  }
  return { first: first.value, iterator };
}

function genAiLabels(target: ProviderTarget): Record<string, string> {
  return {
    gen_ai_operation_name: CHAT_OPERATION,
    gen_ai_provider_name: genAiProviderName(target.provider),
    gen_ai_request_model: target.upstreamModel,
  };
}

function withAttempts(error: ProviderError, attempts: AttemptRecord[]): ProviderError {
  error.attempts = attempts;
  return error;
}
