import { Inject, Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { Span, SpanStatusCode } from '@opentelemetry/api';
import type { Counter, Histogram } from 'prom-client';
import type { ChatCompletionChunk, ChatCompletionRequest } from '../../common/openai/chat.types';
import { ErrorCode, GatewayError } from '../../common/errors';
import { AppConfig } from '../../config/app-config';
import { METRIC } from '../../telemetry/metrics';
import type { ProviderEmbeddingRequest } from '../embedding.types';
import { PROVIDER_REGISTRY, ProviderError } from '../provider.types';
import type {
  AttemptRecord,
  CompletionExecution,
  EmbeddingExecution,
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
import { asProviderError, canFallBack, countsAgainstCircuit, retryDelayMs } from './execution-policy';
import {
  CHAT_OPERATION,
  completionResponse,
  GEN_AI,
  GEN_AI_METRIC,
  genAiProviderName,
  setGenAiResponse,
  startGenAiClientSpan,
  StreamResponse,
  type GenAiContentCapture,
  type GenAiResponse,
} from '../../telemetry/gen-ai';

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

/** Records the tries of one target (latency since the first try began). */
function attemptRecorder(target: ProviderTarget): (retries: number, error?: ProviderError) => AttemptRecord {
  const startedAt = performance.now();
  return (retries, error) => ({
    provider: target.provider,
    model: target.model,
    outcome: error ? 'error' : 'ok',
    ...(error ? { error_code: error.code } : {}),
    retries,
    latency_ms: round1(performance.now() - startedAt),
  });
}

/** A target whose provider has no credentials: recorded, and the walk moves on (null). */
function notConfigured(target: ProviderTarget, state: WalkState): null {
  state.attempts.push({
    provider: target.provider,
    model: target.model,
    outcome: 'error',
    error_code: ErrorCode.NoProviderAvailable,
    retries: 0,
    latency_ms: 0,
  });
  state.lastError ??= new ProviderError(
    target.provider,
    ErrorCode.NoProviderAvailable,
    `${target.provider} is not configured`,
    { retryable: false },
  );
  return null;
}

/** One try of one target of the chain (Q: a chat or an embeddings request). */
interface Attempt<Q extends object> {
  target: ProviderTarget;
  /** Its place in the chain (0: the routed target, then the fallbacks). */
  index: number;
  retry: number;
  request: Q;
  providerRequest: Q & { model: string };
  callOptions: ProviderCallOptions;
}

/** The walk's result once a call succeeded (its span still open: ended with the response). */
function succeeded<T, P extends ProviderTarget>(
  target: P,
  result: { value: T; span: Span; callStartedAt: number },
  state: WalkState,
  permit: CircuitPermit,
  record: AttemptRecord,
): Walked<T, P> {
  state.attempts.push(record);
  const { value, span, callStartedAt } = result;
  return {
    target,
    result: value,
    attempts: state.attempts,
    permit,
    callStartedAt,
    upstreamMs: state.upstreamMs,
    span,
  };
}

/** What a walk of the chain has seen so far. */
interface WalkState {
  attempts: AttemptRecord[];
  upstreamMs: number;
  lastError: ProviderError | null;
}

interface OpenedStream {
  first: ChatCompletionChunk;
  iterator: AsyncIterator<ChatCompletionChunk>;
}

type Call<T, Q> = (
  adapter: ProviderAdapter,
  request: Q & { model: string },
  options: ProviderCallOptions,
) => Promise<T>;

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
    this.endAttempt(
      walked.span,
      walked.target,
      walked.callStartedAt,
      completionResponse(walked.result, options.content !== undefined),
      options.content,
    );
    return {
      target: walked.target,
      completion: walked.result,
      attempts: walked.attempts,
      upstreamMs: walked.upstreamMs,
    };
  }

  async embed<P extends ProviderTarget>(
    chain: P[],
    request: Omit<ProviderEmbeddingRequest, 'model'>,
    options: ProviderCallOptions,
  ): Promise<EmbeddingExecution<P>> {
    const walked = await this.walk(chain, request, options, (adapter, req, opts) => {
      if (!adapter.embed) {
        return Promise.reject(
          new ProviderError(adapter.key, ErrorCode.InvalidRequest, `${adapter.key} has no embeddings API`, {
            retryable: false,
            param: 'model',
          }),
        );
      }
      return adapter.embed(req, opts);
    });
    this.finishCall(walked.target, walked.permit, 'ok', walked.callStartedAt);
    walked.span.end();
    return {
      target: walked.target,
      result: walked.result,
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
      chunks: this.relay(walked, options),
    };
  }

  /** Walks the chain until one call succeeds; throws the deciding error (with `attempts`). */
  private async walk<T, Q extends object, P extends ProviderTarget>(
    chain: P[],
    request: Q,
    options: ProviderCallOptions,
    call: Call<T, Q>,
  ): Promise<Walked<T, P>> {
    if (chain.length === 0)
      throw new GatewayError(ErrorCode.NoProviderAvailable, 'no provider can serve this request');
    const state: WalkState = { attempts: [], upstreamMs: 0, lastError: null };
    for (let i = 0; i < chain.length; i++) {
      const walked = await this.tryTarget(chain[i], [i, i < chain.length - 1], state, request, options, call);
      if (walked) return walked;
    }
    throw withAttempts(state.lastError!, state.attempts);
  }

  /**
   * One target with its retries: the walk's result, or null to fall back to the next target.
   * Throws when the walk must stop (the client went away, an error no fallback can fix).
   */
  private async tryTarget<T, Q extends object, P extends ProviderTarget>(
    target: P,
    [index, hasNext]: [number, boolean],
    state: WalkState,
    request: Q,
    options: ProviderCallOptions,
    call: Call<T, Q>,
  ): Promise<Walked<T, P> | null> {
    const labels = { provider: target.provider, model: target.metricModel ?? target.model };
    const adapter = this.registry.get(target.provider);
    if (!adapter.configured) return notConfigured(target, state);
    const providerRequest = {
      ...request,
      model: target.upstreamModel,
      ...(target.outputCap === undefined ? {} : { max_completion_tokens: target.outputCap }),
    };
    const callOptions: ProviderCallOptions = { ...options, maxOutputTokens: target.maxOutputTokens };
    const attempt = attemptRecorder(target);
    for (let retry = 0; ; retry++) {
      const permit = this.circuits.acquire(target);
      if (permit === null) {
        this.circuitOpen(target, retry, hasNext, state, attempt);
        return null;
      }
      const result = await this.callOnce(
        adapter,
        { target, index, retry, request, providerRequest, callOptions },
        call,
      );
      const { callStartedAt } = result;
      state.upstreamMs += performance.now() - callStartedAt;
      if (result.ok) return succeeded(target, result, state, permit, attempt(retry));
      const error = result.error;
      if (options.signal.aborted) {
        this.finishCall(target, permit, 'aborted', callStartedAt);
        state.attempts.push(attempt(retry, error));
        throw withAttempts(clientAbortedError(target.provider), state.attempts);
      }
      this.finishCall(target, permit, error, callStartedAt);
      state.lastError = error;
      const delay = retryDelayMs(error, retry, this.config.providers.retries, this.random);
      if (delay !== null) {
        this.retriesMetric.inc({ ...labels, reason: error.code });
        state.upstreamMs += await this.backoff(delay, options.signal, target.provider, state);
        continue;
      }
      state.attempts.push({ ...attempt(retry, error), status: error.upstreamStatus });
      if (!canFallBack(error)) throw withAttempts(error, state.attempts);
      if (hasNext) this.fallbacksMetric.inc(labels);
      return null;
    }
  }

  /** The target's circuit is open: skipped (first try), or opened by our own failures (stop retrying). */
  private circuitOpen(
    target: ProviderTarget,
    retry: number,
    hasNext: boolean,
    state: WalkState,
    attempt: (retries: number, error?: ProviderError) => AttemptRecord,
  ): void {
    const labels = { provider: target.provider, model: target.metricModel ?? target.model };
    if (retry === 0) {
      state.attempts.push({ ...labels, outcome: 'skipped_circuit_open', retries: 0, latency_ms: 0 });
      state.lastError ??= new ProviderError(
        target.provider,
        ErrorCode.NoProviderAvailable,
        `the circuit of ${target.provider}/${target.model} is open`,
        { retryable: false },
      );
      return;
    }
    const last = state.lastError;
    state.attempts.push({
      ...attempt(retry),
      outcome: 'error',
      error_code: last?.code,
      status: last?.upstreamStatus,
    });
    if (hasNext) this.fallbacksMetric.inc(labels);
  }

  /** The GenAI client span of one attempt (a no-op span when the request is not sampled). */
  private startAttempt(attempt: Attempt<object>, options: ProviderCallOptions): Span {
    const { target, index, retry, request } = attempt;
    const chat = 'messages' in request;
    const span = startGenAiClientSpan({
      provider: target.provider,
      model: target.model,
      upstreamModel: target.upstreamModel,
      request: chat ? (request as ChatCompletionRequest) : undefined,
      baseUrl: this.baseUrl(target),
      retry,
      fallbackIndex: index,
      callAttributes: options.spanAttributes,
    });
    if (chat && options.content && span.isRecording())
      span.setAttribute(GEN_AI.inputMessages, options.content.inputMessages);
    return span;
  }

  /**
   * One upstream call in its GenAI client span. A failure ends the span; on success the caller
   * ends it with the response (a stream: at its end).
   */
  private async callOnce<T, Q extends object>(
    adapter: ProviderAdapter,
    attempt: Attempt<Q>,
    call: Call<T, Q>,
  ): Promise<
    ({ ok: true; value: T } | { ok: false; error: ProviderError }) & { span: Span; callStartedAt: number }
  > {
    const callStartedAt = performance.now();
    const span = this.startAttempt(attempt, attempt.callOptions);
    try {
      const value = await call(adapter, attempt.providerRequest, attempt.callOptions);
      return { ok: true, value, span, callStartedAt };
    } catch (raw) {
      const error = asProviderError(attempt.target.provider, raw);
      this.failAttempt(span, attempt.target, callStartedAt, error.code);
      return { ok: false, error, span, callStartedAt };
    }
  }

  /** Waits before a retry (unless the client goes away: then the walk stops). Returns the wait in ms. */
  private async backoff(
    delay: number,
    signal: AbortSignal,
    provider: ProviderKey,
    state: WalkState,
  ): Promise<number> {
    const sleptAt = performance.now();
    try {
      await sleep(delay, signal, provider);
    } catch (aborted) {
      throw withAttempts(aborted as ProviderError, state.attempts);
    }
    return performance.now() - sleptAt;
  }

  /** Metrics and circuit verdict of one finished upstream call. */
  private finishCall(
    target: ProviderTarget,
    permit: CircuitPermit,
    outcome: 'ok' | 'aborted' | ProviderError,
    callStartedAt: number,
  ): void {
    const labels = { provider: target.provider, model: target.metricModel ?? target.model };
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
    options: ProviderCallOptions,
  ): AsyncGenerator<ChatCompletionChunk> {
    const { signal, content } = options;
    const { target, permit, callStartedAt, span } = walked;
    const { first, iterator } = walked.result;
    const response = new StreamResponse(content ? content.maxChars : 0);
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
      if (outcome === 'ok') this.endAttempt(span, target, callStartedAt, response, content);
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
    content?: GenAiContentCapture,
  ): void {
    setGenAiResponse(span, response, content);
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

function withAttempts(error: ProviderError, attempts: AttemptRecord[]): ProviderError {
  error.attempts = attempts;
  return error;
}

function genAiLabels(target: ProviderTarget): Record<string, string> {
  return {
    gen_ai_operation_name: CHAT_OPERATION,
    gen_ai_provider_name: genAiProviderName(target.provider),
    gen_ai_request_model: target.metricModel ?? target.upstreamModel, // bounded: pass-through names share one
  };
}
