import type { Attributes } from '@opentelemetry/api';
import type { GenAiContentCapture } from '../telemetry/gen-ai';
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest } from '../common/openai/chat.types';
import { ErrorCode, GatewayError, GatewayErrorOptions } from '../common/errors';
import type { ProviderKey } from '../common/provider-keys';
import type { ProviderEmbeddingRequest, ProviderEmbeddingResult } from './embedding.types';

/** Providers without an embeddings API. */
export const PROVIDERS_WITHOUT_EMBEDDINGS: readonly ProviderKey[] = ['anthropic'];

/** Per-call options handed to an adapter by the executor. */
export interface ProviderCallOptions {
  /** Aborted when the client disconnects or a timeout fires: adapters must abort the upstream request. */
  signal: AbortSignal;
  requestId: string;
  /**
   * The target model's output-token ceiling from the catalog (ModelSpec.max_output_tokens).
   * Adapters whose API requires max_tokens (Anthropic) use it as the default when the client
   * set none. The executor fills it from the target's `maxOutputTokens`.
   */
  maxOutputTokens?: number;
  /**
   * Attributes for the client span of each attempt (the gateway's modelmuxer.* context: tenant,
   * intent, routing reason, ...), set by the caller of the executor.
   */
  spanAttributes?: Attributes;
  /**
   * Prompt and completion content for the client spans (opt-in, already redacted and bounded by
   * the caller): gen_ai.input.messages at the start of each attempt, gen_ai.output.messages at
   * the end of the successful one.
   */
  content?: GenAiContentCapture;
  /** Embeddings: the model's default vector length from the catalog (the simulator answers with it). */
  embeddingDimensions?: number;
}

/**
 * A concrete place to send a request: what the executor walks. The router's targets (RouteTarget)
 * extend it with the catalog entry; the executor hands back the answering target as it got it.
 */
export interface ProviderTarget {
  provider: ProviderKey;
  /** Catalog id. */
  model: string;
  /** Name sent upstream. */
  upstreamModel: string;
  /** The model's output-token ceiling (catalog), handed to the adapter in ProviderCallOptions. */
  maxOutputTokens?: number;
  /**
   * Chat: the most output tokens per choice the budget covers on this target (a request without
   * max_tokens near its budget's limit), sent upstream as max_completion_tokens.
   */
  outputCap?: number;
  /**
   * The name metrics and circuit breakers use: the model, or `<provider>/pass-through` for names
   * passed through from client input (bounded label cardinality and breaker count). Default `model`.
   */
  metricModel?: string;
}

/** Live state of the provider layer the router must respect. */
export interface ProviderAvailability {
  isProviderConfigured(provider: ProviderKey): boolean;
  isCircuitOpen(target: ProviderTarget): boolean;
}

/**
 * The request handed to an adapter: the client's OpenAI request with `model` replaced by the
 * provider's own model id, and `stream` set by the executor. Adapters translate it.
 */
export type ProviderRequest = ChatCompletionRequest & { model: string };

/**
 * A provider adapter. Translation (request, response, stream event → chunk) lives in pure
 * functions beside the adapter; the adapter does HTTP only.
 */
export interface ProviderAdapter {
  readonly key: ProviderKey;
  /** False when the provider lacks credentials/base URL: it is then not available for routing. */
  readonly configured: boolean;
  complete(request: ProviderRequest, options: ProviderCallOptions): Promise<ChatCompletion>;
  /**
   * Streams OpenAI chunks. The last chunk before the iterator ends must carry `usage`
   * (adapters ask the upstream for it even when the client did not).
   * Errors before the first chunk are thrown from the first `next()`; errors after it are
   * thrown mid-iteration as ProviderError with code ProviderStreamError.
   */
  stream(request: ProviderRequest, options: ProviderCallOptions): AsyncIterable<ChatCompletionChunk>;
  /**
   * Embeddings (POST /embeddings). Absent for providers without an embeddings API (Anthropic).
   * Returns one float vector per input item, in order.
   */
  embed?(request: ProviderEmbeddingRequest, options: ProviderCallOptions): Promise<ProviderEmbeddingResult>;
}

/** DI token for the list of registered adapters (a Symbol, not a string). */
export const PROVIDER_ADAPTERS = Symbol('PROVIDER_ADAPTERS');

/** Typed lookup of the adapter serving each provider key (TEST_MODE: the simulator for all). */
export interface ProviderRegistry {
  get(provider: ProviderKey): ProviderAdapter;
  isConfigured(provider: ProviderKey): boolean;
  all(): readonly ProviderAdapter[];
}

/** DI token for the ProviderRegistry. */
export const PROVIDER_REGISTRY = Symbol('PROVIDER_REGISTRY');

export interface ProviderErrorOptions extends GatewayErrorOptions {
  /** Worth retrying on the same target (429, 5xx, timeouts, connection errors). */
  retryable: boolean;
  /** HTTP status the upstream answered with, when there was one. */
  upstreamStatus?: number;
  /** The upstream's retry-after in milliseconds (retry-after-ms or retry-after), when it sent one. */
  retryAfterMs?: number;
}

/** An error from (or on the way to) an upstream provider. */
export class ProviderError extends GatewayError {
  readonly retryable: boolean;
  readonly upstreamStatus?: number;
  readonly retryAfterMs?: number;
  /**
   * Set by the executor on the error it finally throws: every target tried (for
   * router_metadata on failed requests too).
   */
  attempts?: AttemptRecord[];

  constructor(
    readonly provider: ProviderKey,
    code: ErrorCode,
    message: string,
    options: ProviderErrorOptions,
  ) {
    super(code, message, options);
    this.name = 'ProviderError';
    this.retryable = options.retryable;
    this.upstreamStatus = options.upstreamStatus;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/* ---------- The executor: what the chat pipeline calls ---------- */

/** One try of one target (retries on the same target are counted in `retries`). */
export interface AttemptRecord {
  provider: ProviderKey;
  model: string;
  outcome: 'ok' | 'error' | 'skipped_circuit_open';
  /** ErrorCode of the failure, when outcome is 'error'. */
  error_code?: string;
  /** Upstream HTTP status, when there was one. */
  status?: number;
  retries: number;
  latency_ms: number;
}

export interface CompletionExecution<T extends ProviderTarget = ProviderTarget> {
  /** The target that answered (as it was in the chain). */
  target: T;
  completion: ChatCompletion;
  /** Every target tried, in order, the answering one last. */
  attempts: AttemptRecord[];
  /** Wall time spent waiting on upstreams (all attempts), for the overhead header. */
  upstreamMs: number;
}

export interface StreamExecution<T extends ProviderTarget = ProviderTarget> {
  target: T;
  attempts: AttemptRecord[];
  /**
   * The stream, starting with the first upstream chunk (already received: retries and
   * fallbacks happen only before it). Ends after the chunk carrying `usage`.
   */
  chunks: AsyncIterable<ChatCompletionChunk>;
  /** Time from the call until the first chunk was available. */
  firstChunkMs: number;
}

/**
 * Walks a routing chain with retries (429/5xx/timeouts, backoff with jitter, retry-after),
 * circuit breakers per provider+model, and fallbacks. Implemented by the providers module.
 */
export interface ProviderExecutor extends ProviderAvailability {
  complete<T extends ProviderTarget>(
    chain: T[],
    request: ChatCompletionRequest,
    options: ProviderCallOptions,
  ): Promise<CompletionExecution<T>>;
  stream<T extends ProviderTarget>(
    chain: T[],
    request: ChatCompletionRequest,
    options: ProviderCallOptions,
  ): Promise<StreamExecution<T>>;
  /** Embeddings along a chain (retries and circuits as for chat); `model` is set per target. */
  embed<T extends ProviderTarget>(
    chain: T[],
    request: Omit<ProviderEmbeddingRequest, 'model'>,
    options: ProviderCallOptions,
  ): Promise<EmbeddingExecution<T>>;
}

export interface EmbeddingExecution<T extends ProviderTarget = ProviderTarget> {
  target: T;
  result: ProviderEmbeddingResult;
  attempts: AttemptRecord[];
  upstreamMs: number;
}

export const PROVIDER_EXECUTOR = Symbol('PROVIDER_EXECUTOR');
