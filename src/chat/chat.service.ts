import { Inject, Injectable, Optional } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import type { Principal } from '../auth/auth.types';
import { BUDGET_ENFORCER, USAGE_RECORDER } from '../billing/billing.types';
import type {
  BudgetEnforcer,
  BudgetReservation,
  BudgetStatus,
  UsageRecorder,
} from '../billing/billing.types';
import { costNanoUsd, nanoToUsd } from '../billing/pricing';
import { trustedUsage } from '../billing/provider-usage';
import { estimateTextTokens, promptTokenCounts, requestedMaxOutputTokens } from '../billing/token-estimator';
import { CHAT_CACHE } from '../caching/caching.types';
import type { CachedCompletion } from '../caching/caching.types';
import type { CacheOutcome, ChatCacheService, TenantCacheSettings } from '../caching/chat-cache.service';
import { replayChunks, StreamRecorder } from '../caching/stream-cache';
import { ErrorCode, GatewayError } from '../common/errors';
import { elapsedMs } from '../common/time';
import { AppConfig } from '../config/app-config';
import { INTENT_CLASSIFIER } from '../intent/intent.types';
import type { ClassifierModelCall, IntentClassifier, IntentResult } from '../intent/intent.types';
import { POLICY_ENFORCER } from '../policy/policy.types';
import type { PolicyEnforcer } from '../policy/policy.types';
import { PROVIDER_EXECUTOR, ProviderError } from '../providers/provider.types';
import type { AttemptRecord, ProviderExecutor, ProviderKey } from '../providers/provider.types';
import { ModelCatalog } from '../routing/model-catalog';
import { routingError } from '../routing/routing-errors';
import { buildRoutingInput } from '../routing/routing-input';
import { RoutingService } from '../routing/routing.service';
import type { ModelSpec, RouteTarget, RoutingDecision } from '../routing/routing.types';
import { METRIC } from '../telemetry/metrics';
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest, Usage } from './chat.types';
import { fallbacksTried, intentFields, intentHeaders, RouterMetadata } from './router-metadata';

/** What the controller knows about the call. */
export interface ChatCallContext {
  requestId: string;
  principal: Principal;
  /** process.hrtime.bigint() at arrival. */
  startedAt: bigint;
  /** Aborted when the client goes away: the upstream call is aborted with it. */
  signal: AbortSignal;
  /** Client cache directive from the x-modelmuxer-cache header ("true"/"false"), if any. */
  cacheDirective?: string;
  /** The Cache-Control request header (no-cache: skip the lookup; no-store: no cache at all). */
  cacheControl?: string;
}

export type ChatCompletionWithMetadata = ChatCompletion & { router_metadata: RouterMetadata };

export interface ChatResult {
  body: ChatCompletionWithMetadata;
  headers: Record<string, string>;
}

export interface ChatStream {
  headers: Record<string, string>;
  /**
   * OpenAI chunks for the client: router_metadata on the first (and on the usage chunk, with the
   * cost). Throws a GatewayError mid-iteration when the upstream fails after the first chunk.
   */
  chunks: AsyncGenerator<ChatCompletionChunk>;
}

export interface RouterExplanation {
  object: 'router.explanation';
  request_id: string;
  intent: {
    label: string | null;
    confidence: number | null;
    method: string;
    signals: IntentResult['signals'];
    scores: IntentResult['scores'] | null;
  };
  estimated_prompt_tokens: number;
  selected_provider: string | null;
  selected_model: string | null;
  routing_reason: string;
  decision_kind: string | null;
  estimated_cost_usd: number | null;
  budget_downgraded: boolean;
  refusal: RoutingDecision['refusal'];
  failure: RoutingDecision['failure'] | null;
  fallbacks: RouteTarget[];
  candidates: RoutingDecision['candidates'];
}

/**
 * Output tokens assumed for a call the client abandoned while it was in flight, when the client
 * set no max_tokens (the provider may bill the whole completion; we cannot see it).
 */
export const ABORTED_OUTPUT_ESTIMATE_TOKENS = 1_024;

/** The `intent` of the usage rows that bill the classifier's own model calls. */
export const CLASSIFIER_USAGE_INTENT = 'intent_fallback';

/** The `intent` of the usage rows that bill the semantic cache's query embeddings (provider embedders). */
export const CACHE_EMBEDDING_USAGE_INTENT = 'cache_embed';

/** A routed request, ready to execute. */
interface PreparedCall {
  request: ChatCompletionRequest;
  intent: IntentResult;
  promptTokens: number;
  decision: RoutingDecision;
  chain: RouteTarget[];
  spec: ModelSpec;
  budget: BudgetStatus | null;
  metadata: RouterMetadata;
  headers: Record<string, string>;
  /** The tenant's cache settings from its policy (null: defaults). */
  cacheSettings: TenantCacheSettings | null;
}

interface Accounting {
  target: RouteTarget;
  usage: Usage;
  attempts: AttemptRecord[];
  status: number;
}

/**
 * The request pipeline behind /v1/chat/completions: policy → classify → route → cache →
 * reserve budget → execute (retries/fallbacks in the provider layer) → account → explain.
 * Each step is a module behind a typed token; optional modules (cache, policy, budgets) are
 * absent in the modes that do not compose them.
 */
@Injectable()
export class ChatService {
  constructor(
    private readonly config: AppConfig,
    @Inject(INTENT_CLASSIFIER) private readonly classifier: IntentClassifier,
    private readonly routing: RoutingService,
    private readonly catalog: ModelCatalog,
    @Inject(PROVIDER_EXECUTOR) private readonly executor: ProviderExecutor,
    @InjectMetric(METRIC.tokens) private readonly tokensCounter: Counter<string>,
    @InjectMetric(METRIC.costUsd) private readonly costCounter: Counter<string>,
    @InjectMetric(METRIC.cacheLookups) private readonly cacheCounter: Counter<string>,
    @Optional() @Inject(BUDGET_ENFORCER) private readonly budgets?: BudgetEnforcer,
    @Optional() @Inject(USAGE_RECORDER) private readonly usageRecorder?: UsageRecorder,
    @Optional() @Inject(CHAT_CACHE) private readonly cache?: ChatCacheService,
    @Optional() @Inject(POLICY_ENFORCER) private readonly policy?: PolicyEnforcer,
  ) {}

  /* ------------------------------------------------------------------ non-streaming */

  async complete(request: ChatCompletionRequest, context: ChatCallContext): Promise<ChatResult> {
    const call = await this.prepare(request, context);
    const cache = await this.cacheLookup(call, context);
    if (cache && (cache.status === 'HIT' || cache.status === 'SEMANTIC_HIT')) {
      return this.answerFromCache(call, context, cache);
    }
    const reservation = await this.reserve(call, context);
    let execution;
    try {
      execution = await this.executor.complete(call.chain, call.request, {
        signal: context.signal,
        requestId: context.requestId,
      });
    } catch (error) {
      this.releaseAfterFailure(call, context, reservation, error);
      throw this.withContext(error, call);
    }
    const { usage, estimated } = trustedUsage(execution.completion.usage, {
      promptTokens: call.promptTokens,
      completionTokens: estimateTextTokens(completionText(execution.completion)),
    });
    execution.completion.usage = usage;
    const costNano = this.account(call, context, reservation, {
      target: execution.target,
      usage,
      attempts: execution.attempts,
      status: 200,
    });
    if (cache?.status === 'MISS' || cache?.status === 'BYPASS') {
      cache.store?.({
        completion: execution.completion,
        provider: execution.target.provider,
        model: execution.target.model,
        costNano,
      });
    }
    const latencyMs = elapsedMs(context.startedAt);
    const metadata: RouterMetadata = {
      ...call.metadata,
      selected_provider: execution.target.provider,
      selected_model: execution.target.model,
      cost_usd: nanoToUsd(costNano),
      fallbacks_tried: fallbacksTried(execution.attempts),
      latency_ms: round2(latencyMs),
    };
    if (estimated) metadata.usage_estimated = true;
    if (cache) metadata.cache_status = cache.status;
    return {
      body: { ...execution.completion, router_metadata: metadata },
      headers: {
        ...call.headers,
        ...(cache ? { 'x-modelmuxer-cache': cache.status } : {}),
        'x-modelmuxer-provider': execution.target.provider,
        'x-modelmuxer-model': execution.target.model,
        'x-modelmuxer-cost-usd': nanoToUsd(costNano).toFixed(9),
        'x-modelmuxer-overhead-ms': round2(Math.max(0, latencyMs - execution.upstreamMs)).toString(),
      },
    };
  }

  /* ------------------------------------------------------------------ streaming */

  async stream(request: ChatCompletionRequest, context: ChatCallContext): Promise<ChatStream> {
    const call = await this.prepare(request, context);
    const cache = await this.cacheLookup(call, context);
    if (cache && (cache.status === 'HIT' || cache.status === 'SEMANTIC_HIT')) {
      return this.streamFromCache(call, context, cache);
    }
    const reservation = await this.reserve(call, context);
    let execution;
    try {
      execution = await this.executor.stream(call.chain, call.request, {
        signal: context.signal,
        requestId: context.requestId,
      });
    } catch (error) {
      this.releaseAfterFailure(call, context, reservation, error);
      throw this.withContext(error, call);
    }
    const overheadMs = Math.max(0, elapsedMs(context.startedAt) - execution.firstChunkMs);
    const metadata: RouterMetadata = {
      ...call.metadata,
      selected_provider: execution.target.provider,
      selected_model: execution.target.model,
      fallbacks_tried: fallbacksTried(execution.attempts),
    };
    if (cache) metadata.cache_status = cache.status;
    const store = cache && (cache.status === 'MISS' || cache.status === 'BYPASS') ? cache.store : null;
    return {
      headers: {
        ...call.headers,
        ...(cache ? { 'x-modelmuxer-cache': cache.status } : {}),
        'x-modelmuxer-provider': execution.target.provider,
        'x-modelmuxer-model': execution.target.model,
        'x-modelmuxer-overhead-ms': round2(overheadMs).toString(),
      },
      chunks: this.relayStream(
        call,
        context,
        reservation,
        execution.target,
        execution.attempts,
        execution.chunks,
        metadata,
        store,
      ),
    };
  }

  private async *relayStream(
    call: PreparedCall,
    context: ChatCallContext,
    reservation: BudgetReservation | null,
    target: RouteTarget,
    attempts: AttemptRecord[],
    upstream: AsyncIterable<ChatCompletionChunk>,
    metadata: RouterMetadata,
    store: ((answer: CachedCompletion) => void) | null = null,
  ): AsyncGenerator<ChatCompletionChunk> {
    const clientWantsUsage = call.request.stream_options?.include_usage === true;
    // Only a stream that completed is stored: not one that failed or that the client left.
    const recorder = store ? new StreamRecorder() : null;
    let completed = false;
    let first = true;
    let reportedUsage: unknown = undefined;
    let streamedText = '';
    let status = 200;
    let failure: unknown = null;
    try {
      for await (const chunk of upstream) {
        recorder?.add(chunk);
        if (chunk.usage) reportedUsage = chunk.usage;
        for (const choice of chunk.choices) {
          if (typeof choice.delta.content === 'string') streamedText += choice.delta.content;
        }
        const usageOnly = chunk.choices.length === 0;
        if (!clientWantsUsage) {
          if (usageOnly) continue;
          if (chunk.usage !== undefined) delete chunk.usage;
        }
        if (first) {
          first = false;
          yield { ...chunk, router_metadata: metadata };
        } else if (usageOnly && clientWantsUsage) {
          // The usage chunk closes the stream: it also carries the final cost and latency.
          const { usage, estimated } = this.streamUsage(call, reportedUsage, streamedText);
          const closing: RouterMetadata = {
            ...metadata,
            cost_usd: nanoToUsd(this.costOf(target, usage)),
            latency_ms: round2(elapsedMs(context.startedAt)),
          };
          if (estimated) closing.usage_estimated = true;
          yield { ...chunk, usage, router_metadata: closing };
        } else {
          yield chunk;
        }
      }
      completed = true;
    } catch (error) {
      failure = error;
      status = error instanceof GatewayError ? error.status : 502;
      throw this.withContext(error, call);
    } finally {
      // Runs on success, on upstream failure, and when the client went away (generator return).
      if (failure === null && context.signal.aborted) status = 499;
      const costNano = this.account(call, context, reservation, {
        target,
        usage: this.streamUsage(call, reportedUsage, streamedText).usage,
        attempts,
        status,
      });
      const completion = completed && !context.signal.aborted ? recorder?.completion() : null;
      if (completion && store)
        store({ completion, provider: target.provider, model: target.model, costNano });
    }
  }

  /* ------------------------------------------------------------------ explain */

  async explain(request: ChatCompletionRequest, context: ChatCallContext): Promise<RouterExplanation> {
    const { intent, promptTokens, decision } = await this.decide(request, context, false);
    return {
      object: 'router.explanation',
      request_id: context.requestId,
      intent: {
        label: intent.label,
        confidence: intent.label === null ? null : intent.confidence,
        method: intent.method,
        signals: intent.signals,
        scores: intent.scores ?? null,
      },
      estimated_prompt_tokens: promptTokens,
      selected_provider: decision.target?.provider ?? null,
      selected_model: decision.target?.model ?? null,
      routing_reason: decision.reason,
      decision_kind: decision.kind ?? null,
      estimated_cost_usd: decision.target ? decision.estimatedCostUsd : null,
      budget_downgraded: decision.budgetDowngraded,
      refusal: decision.refusal,
      failure: decision.failure ?? null,
      fallbacks: decision.fallbacks,
      candidates: decision.candidates,
    };
  }

  /* ------------------------------------------------------------------ steps */

  /** Classification, policy and the routing decision (no provider is called). */
  /** Policy, classification and the routing decision (no provider is called). */
  private async decide(request: ChatCompletionRequest, context: ChatCallContext, record = true) {
    // Policy first: PII is redacted before anything else (classifier, LLM fallback, provider) sees it.
    const verdict = this.policy?.evaluate(request, context.principal) ?? null;
    const routed = verdict?.request ?? request;
    const intent = await this.classifier.classify(routed, {
      onModelCall: (call) => this.billClassifierCall(context, call),
    });
    // Routing sees the best guess; reservations (promptTokens) the true upper bound.
    const tokens = promptTokenCounts(routed);
    const promptTokens = tokens.upperBound;
    const budget = this.budgets?.status(context.principal) ?? null;
    // Only budgets whose soft-limit action is `downgrade` steer routing (`alert` ones only warn).
    const downgrades = budget !== null && budget.softAction === 'downgrade';
    const input = buildRoutingInput(
      routed,
      intent,
      tokens.estimate,
      downgrades ? budget.remainingRatio : null,
      downgrades && budget.softLimitReached,
    );
    const tenantPolicy = verdict?.routingPolicy ?? undefined;
    // explain previews the decision without counting it in the routing metric.
    const decision = record
      ? this.routing.decide(input, this.executor, tenantPolicy)
      : this.routing.preview(input, this.executor, tenantPolicy);
    return {
      intent,
      routed,
      policyNotes: verdict?.notes ?? [],
      cacheSettings: verdict?.cache ?? null,
      promptTokens,
      budget,
      decision,
    };
  }

  private async prepare(request: ChatCompletionRequest, context: ChatCallContext): Promise<PreparedCall> {
    const { intent, routed, policyNotes, cacheSettings, promptTokens, budget, decision } = await this.decide(
      request,
      context,
    );
    const headers: Record<string, string> = { ...intentHeaders(intent) };
    if (budget?.softLimitReached) {
      headers['x-modelmuxer-budget-warning'] =
        `soft budget limit reached: ${Math.round((1 - budget.remainingRatio) * 100)}% spent`;
    }
    const metadata: RouterMetadata = {
      request_id: context.requestId,
      selected_provider: decision.target?.provider ?? null,
      selected_model: decision.target?.model ?? null,
      routing_reason: decision.reason,
      ...intentFields(this.config.intent.enabled ? intent : null),
      estimated_cost_usd: decision.target ? decision.estimatedCostUsd : null,
      cost_usd: null,
      fallbacks_tried: [],
      cache_hit: false,
      latency_ms: null,
      budget_downgraded: decision.budgetDowngraded,
    };
    if (budget?.softLimitReached) metadata.budget_warning = headers['x-modelmuxer-budget-warning'];
    if (this.config.testMode) metadata.simulated = true;
    if (policyNotes.length > 0) metadata.policy_notes = policyNotes;

    const refusalOrFailure = routingError(decision);
    if (refusalOrFailure) {
      throw attachContext(refusalOrFailure, metadata, headers);
    }
    const target = decision.target!;
    const spec = this.catalog.resolve(target.model);
    if (!spec)
      throw new GatewayError(
        ErrorCode.Internal,
        `routed to ${target.model}, which the catalog does not know`,
      );
    const chain = [target, ...decision.fallbacks].map((item) => this.withHints(item));
    return {
      request: routed,
      intent,
      promptTokens,
      decision,
      chain,
      spec,
      budget,
      metadata,
      headers,
      cacheSettings,
    };
  }

  /** Adds the catalog's per-model hints (e.g. the output ceiling Anthropic needs). */
  private withHints(target: RouteTarget): RouteTarget & { maxOutputTokens?: number } {
    const spec = this.catalog.resolve(target.model);
    return spec ? { ...target, maxOutputTokens: spec.max_output_tokens } : target;
  }

  /**
   * The cache step (null in modes without a cache): exact, then semantic. What embedding the
   * query cost (provider embedders) is the tenant's, billed like the classifier's calls.
   */
  private async cacheLookup(call: PreparedCall, context: ChatCallContext): Promise<CacheOutcome | null> {
    if (!this.cache) return null;
    const outcome = await this.cache.lookup({
      tenantId: context.principal.tenantId,
      request: call.request,
      model: call.chain[0].model,
      directive: context.cacheDirective,
      cacheControl: context.cacheControl,
      tenant: call.cacheSettings,
      signal: context.signal,
    });
    this.cacheCounter.inc({ result: outcome.status.toLowerCase() });
    if (outcome.embedCostNano > 0) this.billCacheEmbedding(context, outcome.embedCostNano);
    if ((outcome.status === 'MISS' || outcome.status === 'BYPASS') && outcome.onlyIfCached) {
      throw attachContext(
        new GatewayError(
          ErrorCode.NotCached,
          'No cached answer for this request (Cache-Control: only-if-cached).',
          {
            headers: { 'x-modelmuxer-cache': outcome.status },
          },
        ),
        { ...call.metadata, cache_status: outcome.status },
        call.headers,
      );
    }
    return outcome;
  }

  /** The semantic cache's query embedding (provider embedders only): the tenant's cost. */
  private billCacheEmbedding(context: ChatCallContext, costNano: number): void {
    this.budgets?.charge(context.principal, costNano);
    this.usageRecorder?.record({
      requestId: `${context.requestId}:cache`,
      tenantId: context.principal.tenantId,
      apiKeyId: context.principal.keyId,
      provider: 'cache',
      model: this.config.cache.embedder,
      intent: CACHE_EMBEDDING_USAGE_INTENT,
      promptTokens: 0,
      completionTokens: 0,
      cachedTokens: 0,
      costNano,
      savedNano: 0,
      latencyMs: 0,
      status: 200,
      cacheHit: false,
      createdAt: new Date(),
    });
  }

  /** A cached answer replayed as a live stream: the same chunk shapes, usage chunk when asked, [DONE] by the writer. */
  private streamFromCache(
    call: PreparedCall,
    context: ChatCallContext,
    cache: Extract<CacheOutcome, { status: 'HIT' | 'SEMANTIC_HIT' }>,
  ): ChatStream {
    const { body, headers } = this.answerFromCache(call, context, cache);
    const { router_metadata: metadata, ...completion } = body;
    const chunks = replayChunks(completion as ChatCompletion, {
      id: `chatcmpl-${context.requestId}`,
      created: Math.floor(Date.now() / 1000),
      includeUsage: call.request.stream_options?.include_usage === true,
    });
    const withMetadata = chunks.map((chunk, index) =>
      index === 0 || (chunk.choices.length === 0 && chunk.usage)
        ? { ...chunk, router_metadata: metadata }
        : chunk,
    );
    async function* replay(): AsyncGenerator<ChatCompletionChunk> {
      yield* withMetadata;
    }
    return { headers, chunks: replay() };
  }

  /** A cache hit: no provider call, cost 0, the saving recorded as the original call's cost. */
  private answerFromCache(
    call: PreparedCall,
    context: ChatCallContext,
    cache: Extract<CacheOutcome, { status: 'HIT' | 'SEMANTIC_HIT' }>,
  ): ChatResult {
    const { completion, provider, model, costNano: originalCostNano } = cache.answer;
    const usage = completion.usage ?? estimateUsage(call.promptTokens, completionText(completion));
    this.usageRecorder?.record({
      requestId: context.requestId,
      tenantId: context.principal.tenantId,
      apiKeyId: context.principal.keyId,
      provider: 'cache',
      model,
      intent: call.intent.label,
      promptTokens: usage.prompt_tokens,
      completionTokens: usage.completion_tokens,
      cachedTokens: 0,
      costNano: 0,
      savedNano: originalCostNano,
      latencyMs: Math.round(elapsedMs(context.startedAt)),
      status: 200,
      cacheHit: true,
      createdAt: new Date(),
    });
    const latencyMs = elapsedMs(context.startedAt);
    return {
      body: {
        ...completion,
        router_metadata: {
          ...call.metadata,
          selected_provider: provider,
          selected_model: model,
          routing_reason: `${call.metadata.routing_reason} (served from cache)`,
          cost_usd: 0,
          cache_hit: true,
          cache_status: cache.status,
          ...(cache.similarity !== null ? { cache_similarity: cache.similarity } : {}),
          cache_saved_usd: nanoToUsd(originalCostNano),
          latency_ms: round2(latencyMs),
        },
      },
      headers: {
        ...call.headers,
        'x-modelmuxer-provider': provider,
        'x-modelmuxer-model': model,
        'x-modelmuxer-cost-usd': (0).toFixed(9),
        'x-modelmuxer-cache': cache.status,
        ...(cache.similarity !== null
          ? { 'x-modelmuxer-cache-similarity': cache.similarity.toFixed(4) }
          : {}),
        'x-modelmuxer-cache-saved-usd': nanoToUsd(originalCostNano).toFixed(9),
        'x-modelmuxer-overhead-ms': round2(latencyMs).toString(),
      },
    };
  }

  /** Reserves the worst-case cost of the chain (prompt + max output at the priciest target). */
  private async reserve(call: PreparedCall, context: ChatCallContext): Promise<BudgetReservation | null> {
    if (!this.budgets) return null;
    let maxCost = 0;
    for (const target of call.chain) {
      const spec = this.catalog.resolve(target.model);
      if (!spec) continue;
      const maxOutput = Math.min(
        requestedMaxOutputTokens(call.request) ?? spec.max_output_tokens,
        spec.max_output_tokens,
      );
      const cost = costNanoUsd(spec.pricing, {
        promptTokens: call.promptTokens,
        completionTokens: maxOutput * Math.max(1, call.request.n ?? 1),
      });
      if (cost > maxCost) maxCost = cost;
    }
    try {
      return await this.budgets.reserve(context.principal, maxCost, context.requestId);
    } catch (error) {
      throw this.withContext(error, call);
    }
  }

  /**
   * A failed call gives its reservation back, except when the client went away while a provider
   * call was in flight: the provider may still bill that call (a non-streamed completion usually
   * runs to its end), so it is settled at the estimate (see abortedCallEstimate).
   */
  private releaseAfterFailure(
    call: PreparedCall,
    context: ChatCallContext,
    reservation: BudgetReservation | null,
    error: unknown,
  ): void {
    const attempts = error instanceof ProviderError ? (error.attempts ?? []) : [];
    const last = attempts[attempts.length - 1];
    const inFlight = context.signal.aborted && last !== undefined && last.outcome === 'error';
    const estimate = inFlight ? this.abortedCallEstimate(call, last.model) : null;
    const costNano = estimate === null ? 0 : Math.min(estimate.costNano, reservation?.amountNano ?? Infinity);
    if (reservation) {
      if (estimate) this.budgets?.settle(reservation, costNano);
      else this.budgets?.release(reservation);
    }
    this.usageRecorder?.record({
      requestId: context.requestId,
      tenantId: context.principal.tenantId,
      apiKeyId: context.principal.keyId,
      provider: (last?.provider ?? call.chain[0].provider) as ProviderKey,
      model: last?.model ?? call.chain[0].model,
      intent: call.intent.label,
      promptTokens: estimate?.promptTokens ?? 0,
      completionTokens: estimate?.completionTokens ?? 0,
      cachedTokens: 0,
      costNano,
      savedNano: 0,
      latencyMs: Math.round(elapsedMs(context.startedAt)),
      status: context.signal.aborted ? 499 : error instanceof GatewayError ? error.status : 500,
      cacheHit: false,
      createdAt: new Date(),
    });
  }

  /**
   * What a call abandoned mid-flight is assumed to cost: the prompt estimate plus the output the
   * client allowed (max_tokens), or ABORTED_OUTPUT_ESTIMATE_TOKENS when it set no limit — never
   * more than was reserved for it.
   */
  private abortedCallEstimate(call: PreparedCall, model: string) {
    const spec = this.catalog.resolve(model);
    if (!spec) return null;
    const output =
      Math.min(
        requestedMaxOutputTokens(call.request) ?? ABORTED_OUTPUT_ESTIMATE_TOKENS,
        spec.max_output_tokens,
      ) * Math.max(1, call.request.n ?? 1);
    const tokens = { promptTokens: call.promptTokens, completionTokens: output };
    return { ...tokens, costNano: costNanoUsd(spec.pricing, tokens) };
  }

  /**
   * The classifier's own model call (the cheap-LLM fallback) is the tenant's cost: charged to its
   * budgets and recorded as a usage row of its own (intent "intent_fallback"), so that reports
   * show what classification cost. Reported when the call ends, even after the request is over.
   */
  private billClassifierCall(context: ChatCallContext, call: ClassifierModelCall): void {
    const spec = this.catalog.resolve(call.model);
    const costNano = spec
      ? costNanoUsd(spec.pricing, {
          promptTokens: call.usage.prompt_tokens,
          cachedPromptTokens: call.usage.prompt_tokens_details?.cached_tokens ?? 0,
          completionTokens: call.usage.completion_tokens,
        })
      : 0;
    this.budgets?.charge(context.principal, costNano);
    this.usageRecorder?.record({
      requestId: `${context.requestId}:intent`,
      tenantId: context.principal.tenantId,
      apiKeyId: context.principal.keyId,
      provider: call.provider,
      model: call.model,
      intent: CLASSIFIER_USAGE_INTENT,
      promptTokens: call.usage.prompt_tokens,
      completionTokens: call.usage.completion_tokens,
      cachedTokens: call.usage.prompt_tokens_details?.cached_tokens ?? 0,
      costNano,
      savedNano: 0,
      latencyMs: 0,
      status: 200,
      cacheHit: false,
      createdAt: new Date(),
    });
    if (costNano > 0)
      this.costCounter.inc({ provider: call.provider, model: call.model }, nanoToUsd(costNano));
  }

  /** What a stream is billed for: the upstream's usage chunk where valid, else the estimate. */
  private streamUsage(call: PreparedCall, reported: unknown, streamedText: string) {
    return trustedUsage(reported, {
      promptTokens: call.promptTokens,
      completionTokens: estimateTextTokens(streamedText),
    });
  }

  private costOf(target: RouteTarget, usage: Usage): number {
    const spec = this.catalog.resolve(target.model);
    if (!spec) return 0;
    return costNanoUsd(spec.pricing, {
      promptTokens: usage.prompt_tokens,
      cachedPromptTokens: usage.prompt_tokens_details?.cached_tokens ?? 0,
      completionTokens: usage.completion_tokens,
    });
  }

  /** Settles the budget, records usage and counts tokens/cost. Returns the cost in nano-USD. */
  private account(
    call: PreparedCall,
    context: ChatCallContext,
    reservation: BudgetReservation | null,
    result: Accounting,
  ): number {
    const costNano = this.costOf(result.target, result.usage);
    if (reservation) this.budgets?.settle(reservation, costNano);
    const cached = result.usage.prompt_tokens_details?.cached_tokens ?? 0;
    this.usageRecorder?.record({
      requestId: context.requestId,
      tenantId: context.principal.tenantId,
      apiKeyId: context.principal.keyId,
      provider: result.target.provider,
      model: result.target.model,
      intent: call.intent.label,
      promptTokens: result.usage.prompt_tokens,
      completionTokens: result.usage.completion_tokens,
      cachedTokens: cached,
      costNano,
      savedNano: 0,
      latencyMs: Math.round(elapsedMs(context.startedAt)),
      status: result.status,
      cacheHit: false,
      createdAt: new Date(),
    });
    // Metrics last: whatever happens there, the money is already accounted for.
    const labels = { provider: result.target.provider, model: result.target.model };
    this.tokensCounter.inc({ ...labels, kind: 'prompt' }, result.usage.prompt_tokens);
    this.tokensCounter.inc({ ...labels, kind: 'completion' }, result.usage.completion_tokens);
    if (cached > 0) this.tokensCounter.inc({ ...labels, kind: 'cached' }, cached);
    if (costNano > 0) this.costCounter.inc(labels, nanoToUsd(costNano));
    return costNano;
  }

  /** Errors after classification carry router_metadata and the intent headers. */
  private withContext(error: unknown, call: PreparedCall): unknown {
    if (!(error instanceof GatewayError)) return error;
    const attempts = error instanceof ProviderError ? (error.attempts ?? []) : [];
    const metadata = { ...call.metadata, fallbacks_tried: fallbacksTried(attempts) };
    return attachContext(error, metadata, call.headers);
  }
}

/* ---------------------------------------------------------------------- helpers */

function attachContext(
  error: GatewayError,
  metadata: RouterMetadata,
  headers: Record<string, string>,
): GatewayError {
  error.bodyExtras.router_metadata = metadata;
  for (const [name, value] of Object.entries(headers)) {
    if (!(name in error.headers)) error.headers[name] = value;
  }
  return error;
}

function completionText(completion: ChatCompletion): string {
  let text = '';
  for (const choice of completion.choices) {
    if (typeof choice.message.content === 'string') text += choice.message.content;
    for (const call of choice.message.tool_calls ?? []) text += call.function.name + call.function.arguments;
  }
  return text;
}

/** When an upstream reports no usage, estimate it (the prompt estimate + the text we saw). */
function estimateUsage(promptTokens: number, completionTextSeen: string): Usage {
  const completionTokens = estimateTextTokens(completionTextSeen);
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
