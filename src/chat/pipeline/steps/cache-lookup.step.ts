import { Inject, Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { CHAT_CACHE } from '../../../caching/caching.types';
import type { CacheOutcome, ChatCacheService } from '../../../caching/chat-cache.service';
import { replayChunks } from '../../../caching/stream-cache';
import { ErrorCode, GatewayError } from '../../../common/errors';
import type { ChatCompletion, ChatCompletionChunk, Usage } from '../../../common/openai/chat.types';
import { nanoToUsd } from '../../../common/pricing';
import { estimateTextTokens } from '../../../common/token-estimator';
import { AppConfig } from '../../../config/app-config';
import { METRIC } from '../../../telemetry/metrics';
import { routed, type ChatCall, type ChatStep } from '../chat-call';
import { UsageAccounting } from '../usage-accounting';

/** A cache outcome that answers the call. */
export type CacheHit = Extract<CacheOutcome, { status: 'HIT' | 'SEMANTIC_HIT' }>;

export function isCacheHit(outcome: CacheOutcome | null): outcome is CacheHit {
  return outcome !== null && (outcome.status === 'HIT' || outcome.status === 'SEMANTIC_HIT');
}

/**
 * The response cache (ChatCacheService, every mode): the exact cache, then the semantic cache
 * (enhanced and production), keyed by the tenant's namespace, the routed model and the request
 * as it goes upstream; the tenant's settings come from its policy (cacheSettings). Honours the
 * x-modelmuxer-cache directive and Cache-Control (no-cache, no-store, only-if-cached: a miss is
 * a 504 not_cached, before any provider call). The query embedding of a provider embedder is the
 * tenant's cost, billed as a usage row of its own (intent "cache_embed"). A hit answers the call,
 * streamed or not: no provider call, cost 0, the saving recorded as the original call's cost; a
 * `stream: true` hit is replayed as the chunks of a live stream. Writes: cache, or outcome.
 */
@Injectable()
export class CacheLookupStep implements ChatStep {
  readonly name = 'cache_lookup';

  constructor(
    private readonly accounting: UsageAccounting,
    private readonly config: AppConfig,
    @InjectMetric(METRIC.cacheLookups) private readonly lookups: Counter<string>,
    @InjectMetric(METRIC.cacheSavedUsd) private readonly saved: Counter<string>,
    @Inject(CHAT_CACHE) private readonly cache: ChatCacheService | null,
  ) {}

  appliesTo(call: ChatCall): boolean {
    return this.cache !== null && call.mode !== 'explain' && call.outcome === null;
  }

  async run(call: ChatCall): Promise<void> {
    const { plan } = routed(call);
    const outcome = await this.cache!.lookup({
      tenantId: call.context.principal.tenantId,
      request: call.request,
      model: plan.chain[0].model,
      directive: call.context.cacheDirective,
      cacheControl: call.context.cacheControl,
      tenant: call.cacheSettings,
      signal: call.context.signal,
    });
    call.cache = outcome;
    this.lookups.inc({ result: outcome.status.toLowerCase() });
    if (outcome.embedCostNano > 0) {
      await this.accounting.cacheEmbedding(call, this.config.cache.embedder, outcome.embedCostNano);
    }
    if (isCacheHit(outcome)) {
      await this.answerFromCache(call, outcome);
      return;
    }
    if (outcome.onlyIfCached) {
      throw new GatewayError(
        ErrorCode.NotCached,
        'No cached answer for this request (Cache-Control: only-if-cached).',
        { headers: { 'x-modelmuxer-cache': outcome.status } },
      );
    }
  }

  /**
   * Records the hit (cost 0, the saving) and answers from the cache. A completion is answered once
   * its usage row is written (USAGE_DURABLE_ACK), like an upstream answer; a stream sends its first
   * chunk at once, records the hit once that chunk is written (or when the stream ends early), and
   * ends — its usage chunk and [DONE] — only once the row is written, like an upstream stream.
   * (Recording before the first byte made a cached stream's first byte wait for the group commit,
   * and on the embedded database, whose statements run on the event loop, for the write itself.)
   */
  private async answerFromCache(call: ChatCall, hit: CacheHit): Promise<void> {
    const { completion, provider, model, costNano: originalCostNano } = hit.answer;
    const usage = completion.usage ?? estimatedUsage(call.promptTokens, completionText(completion));
    const record = () =>
      this.accounting.record(call, {
        provider: 'cache',
        model,
        promptTokens: usage.prompt_tokens,
        completionTokens: usage.completion_tokens,
        cachedTokens: 0,
        costNano: 0,
        savedNano: originalCostNano,
        status: 200,
        cacheHit: true,
      });
    if (call.mode !== 'stream') await record();
    if (originalCostNano > 0)
      this.saved.inc({ result: hit.status.toLowerCase() }, nanoToUsd(originalCostNano));
    call.outcome = {
      provider,
      model,
      target: null,
      attempts: [],
      completion: call.mode === 'stream' ? null : completion,
      chunks: call.mode === 'stream' ? replay(call, completion, once(record)) : null,
      upstreamMs: 0,
      costNano: 0,
      usageEstimated: false,
      fromCache: true,
    };
  }
}

/** `run` once: every call answers the first call's promise. */
function once<T>(run: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | null = null;
  return () => (result ??= run());
}

/**
 * A cached answer as the chunks of a live stream (same shapes, the usage chunk last; the respond
 * step adds router_metadata and drops the usage chunk unless the client asked for it). The hit is
 * recorded (`record`) when the consumer asks for the second chunk — the first is written by then
 * — or when the stream ends in any way; the usage chunk, and so the end of the stream, waits
 * for the row.
 */
export async function* replay(
  call: ChatCall,
  completion: ChatCompletion,
  record: () => Promise<unknown>,
): AsyncGenerator<ChatCompletionChunk> {
  const chunks = replayChunks(completion, {
    id: `chatcmpl-${call.context.requestId}`,
    created: Math.floor(Date.now() / 1000),
    includeUsage: true,
  });
  try {
    for (const chunk of chunks) {
      if (chunk.choices.length === 0) await record();
      yield chunk;
      // The consumer asked for the next chunk: the one just yielded is written. (Awaited before
      // the usage chunk and at the end; never unhandled.)
      void record().catch(() => undefined);
    }
    await record();
  } finally {
    // A client gone after the first chunk still had a cached answer: it is recorded.
    void record().catch(() => undefined);
  }
}

/** The text of a completion (content and tool calls), for estimating its tokens. */
export function completionText(completion: ChatCompletion): string {
  let text = '';
  for (const choice of completion.choices) {
    if (typeof choice.message.content === 'string') text += choice.message.content;
    for (const call of choice.message.tool_calls ?? []) text += call.function.name + call.function.arguments;
  }
  return text;
}

/** When an answer carries no usage, estimate it (the prompt estimate + the text we saw). */
function estimatedUsage(promptTokens: number, text: string): Usage {
  const completionTokens = estimateTextTokens(text);
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
}
