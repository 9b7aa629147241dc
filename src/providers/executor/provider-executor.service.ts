import { Inject, Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { trace } from '@opentelemetry/api';
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
    return {
      target: walked.target,
      attempts: walked.attempts,
      firstChunkMs: performance.now() - startedAt,
      chunks: this.relay(walked, options.signal),
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
      const providerRequest = { ...request, model: target.upstreamModel };
      const callOptions: ProviderCallOptions = {
        signal: options.signal,
        requestId: options.requestId,
        maxOutputTokens: target.maxOutputTokens,
        embeddingDimensions: options.embeddingDimensions,
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
        const span = tracer.startSpan('provider.call', {
          attributes: {
            'modelmuxer.provider': target.provider,
            'modelmuxer.model': target.model,
            'modelmuxer.retry': retry,
          },
        });
        try {
          const result = await call(adapter, providerRequest, callOptions);
          span.end();
          const now = performance.now();
          upstreamMs += now - callStartedAt;
          attempts.push({
            ...labels,
            outcome: 'ok',
            retries: retry,
            latency_ms: round1(now - targetStartedAt),
          });
          return { target, result, attempts, permit, callStartedAt, upstreamMs };
        } catch (raw) {
          const error = asProviderError(target.provider, raw);
          span.setAttribute('modelmuxer.error', error.code);
          span.end();
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
    const { target, permit, callStartedAt } = walked;
    const { first, iterator } = walked.result;
    let outcome: 'ok' | 'aborted' | ProviderError = 'aborted';
    try {
      yield first;
      for (;;) {
        const next = await iterator.next();
        if (next.done) break;
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
    }
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
