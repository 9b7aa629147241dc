import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { ChatCompletionRequest } from '../common/openai/chat.types';
import { AppConfig } from '../config/app-config';
import { responseCacheKey, shouldUseCache } from './cache-key';
import { RESPONSE_CACHE } from './caching.types';
import type { CachedCompletion, ResponseCache } from './caching.types';
import type { SemanticCache, SemanticSettings } from './semantic/semantic-cache';
import { semanticKey } from './semantic/semantic-key';
import type { SemanticKey } from './semantic/semantic-key';

/** DI token of the SemanticCache (null in basic mode). */
export const SEMANTIC_CACHE = Symbol('SEMANTIC_CACHE');

/**
 * A tenant's cache settings (tenant policy `cache`); every field optional, defaults from
 * CACHE_* settings. `shared_namespace`: tenants naming the same one share their cached answers
 * (an explicit opt-in; without it a tenant's cache is its own).
 */
export interface TenantCacheSettings {
  enabled?: boolean;
  mode?: 'exact' | 'semantic';
  threshold?: number;
  ttl_seconds?: number;
  max_entries?: number;
  max_bytes?: number;
  shared_namespace?: string | null;
}

export type CacheStatus = 'HIT' | 'SEMANTIC_HIT' | 'MISS' | 'BYPASS';

export interface CacheRequest {
  tenantId: string;
  /** The request as it goes upstream (after policy). */
  request: ChatCompletionRequest;
  /** The model the request was routed to. */
  model: string;
  /** x-modelmuxer-cache request header (true/false/no-store). */
  directive?: string;
  /** Cache-Control request header (no-cache, no-store). */
  cacheControl?: string;
  tenant: TenantCacheSettings | null;
  signal: AbortSignal;
}

export type CacheOutcome =
  | {
      status: 'HIT' | 'SEMANTIC_HIT';
      answer: CachedCompletion;
      /** Similarity of the last user turns (semantic hits). */
      similarity: number | null;
      /** What embedding the query cost (provider embedders; billed to the tenant). */
      embedCostNano: number;
    }
  | {
      status: 'MISS' | 'BYPASS';
      embedCostNano: number;
      /** Cache-Control: only-if-cached — the request must not reach a provider. */
      onlyIfCached: boolean;
      /** Stores a complete fresh answer (null when it must not be stored). Never throws. */
      store: ((answer: CachedCompletion) => void) | null;
    };

function cacheControlDirectives(value: string | undefined): Set<string> {
  return new Set(
    (value ?? '')
      .toLowerCase()
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean),
  );
}

/**
 * The chat pipeline's cache step: the exact cache first (every mode), then the semantic cache
 * (enhanced and production, tenant mode `semantic`). Decides eligibility (deterministic requests,
 * or the client's opt-in; never n > 1), honours Cache-Control no-cache (skip the lookup, store the
 * fresh answer), no-store (neither) and only-if-cached (answer from the cache or not at all: 504),
 * applies the tenant's settings, and hands back a `store` for the fresh answer.
 */
/** Where one request's answer is looked up and stored. */
interface LookupPlan {
  namespace: string;
  exactKey: string;
  semantic: { cache: SemanticCache; key: SemanticKey; settings: SemanticSettings } | null;
}

@Injectable()
export class ChatCacheService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('ChatCache');
  /** Limits per namespace, from the last request of a tenant using it. */
  private readonly limits = new Map<string, { maxEntries: number; maxBytes: number }>();
  /** The shared namespace a tenant last used (for purges). */
  private readonly sharedOf = new Map<string, string>();
  /** Purge generation per namespace: part of the exact key, so a purge empties the exact cache too. */
  private readonly generations = new Map<string, string>();

  constructor(
    private readonly config: AppConfig,
    @Inject(RESPONSE_CACHE) private readonly exact: ResponseCache,
    @Inject(SEMANTIC_CACHE) private readonly semantic: SemanticCache | null,
  ) {}

  async onModuleInit(): Promise<void> {
    if (!this.semantic) return;
    this.semantic.onPurge = (namespace, generation) => this.generations.set(namespace, generation);
    this.semantic.limitsFor = (namespace) => this.limitsOf(namespace);
    await this.semantic.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.semantic?.stop();
  }

  /** Limits of a namespace (the semantic index asks per insert). */
  limitsOf(namespace: string): { maxEntries: number; maxBytes: number } {
    return (
      this.limits.get(namespace) ?? {
        maxEntries: this.config.cache.maxEntries,
        maxBytes: this.config.cache.maxBytes,
      }
    );
  }

  namespaceOf(tenantId: string, tenant: TenantCacheSettings | null): string {
    return tenant?.shared_namespace ? `shared:${tenant.shared_namespace}` : `tenant:${tenantId}`;
  }

  async lookup(input: CacheRequest): Promise<CacheOutcome> {
    const tenant = input.tenant;
    const control = cacheControlDirectives(input.cacheControl);
    const ttlSeconds = tenant?.ttl_seconds ?? this.config.cache.ttlSeconds;
    if (
      tenant?.enabled === false ||
      ttlSeconds <= 0 ||
      control.has('no-store') ||
      !shouldUseCache(input.request, input.directive)
    ) {
      return { status: 'BYPASS', embedCostNano: 0, store: null, onlyIfCached: control.has('only-if-cached') };
    }
    const plan = this.plan(input, ttlSeconds);
    const skipLookup = control.has('no-cache');
    let vector: Float32Array | null = null;
    let embedCostNano = 0;
    if (!skipLookup) {
      const found = await this.find(plan, input.signal);
      if ('status' in found) return found;
      ({ vector, embedCostNano } = found);
    }
    const store = this.storer(plan, vector);
    if (control.has('only-if-cached') && !skipLookup) {
      return { status: 'MISS', embedCostNano, store: null, onlyIfCached: true };
    }
    return { status: skipLookup ? 'BYPASS' : 'MISS', embedCostNano, store, onlyIfCached: false };
  }

  /** Where this request's answer lives: namespace, exact key, and the semantic key and settings. */
  private plan(input: CacheRequest, ttlSeconds: number): LookupPlan {
    const tenant = input.tenant;
    const namespace = this.namespaceOf(input.tenantId, tenant);
    if (tenant?.shared_namespace) this.sharedOf.set(input.tenantId, namespace);
    this.limits.set(namespace, {
      maxEntries: tenant?.max_entries ?? this.config.cache.maxEntries,
      maxBytes: tenant?.max_bytes ?? this.config.cache.maxBytes,
    });
    const exactKey = responseCacheKey(
      `${namespace}#${this.generations.get(namespace) ?? ''}`,
      input.model,
      input.request,
    );
    const mode = tenant?.mode ?? this.config.cache.mode;
    const semantic = mode === 'semantic' && this.semantic ? this.semantic : null;
    const key = semantic ? semanticKey(namespace, input.model, input.request) : null;
    if (!semantic || !key) return { namespace, exactKey, semantic: null };
    const threshold = tenant?.threshold ?? this.config.cache.semanticThreshold ?? semantic.defaultThreshold;
    return {
      namespace,
      exactKey,
      semantic: { cache: semantic, key, settings: { threshold, guards: true, ttlSeconds } },
    };
  }

  /** The exact entry, else the semantic one: a hit, or what the semantic lookup learned. */
  private async find(
    plan: LookupPlan,
    signal: AbortSignal | undefined,
  ): Promise<CacheOutcome | { vector: Float32Array | null; embedCostNano: number }> {
    const exactHit = await this.exact.get(plan.exactKey);
    if (exactHit) return { status: 'HIT', answer: exactHit, similarity: null, embedCostNano: 0 };
    if (!plan.semantic) return { vector: null, embedCostNano: 0 };
    const { cache, key, settings } = plan.semantic;
    try {
      const result = await cache.lookup(plan.namespace, key, settings, signal);
      if (result.kind === 'hit') {
        return {
          status: 'SEMANTIC_HIT',
          answer: result.entry.answer,
          similarity: Math.round(result.similarity * 10_000) / 10_000,
          embedCostNano: result.embedCostNano,
        };
      }
      return { vector: result.vector, embedCostNano: result.embedCostNano };
    } catch (error) {
      // An embedder failure is a miss (the answer is still stored exactly).
      this.logger.warn(`semantic lookup failed: ${(error as Error).message}`);
      return { vector: null, embedCostNano: 0 };
    }
  }

  /** Stores a fresh answer exactly and, in semantic mode, under its embedding. */
  private storer(plan: LookupPlan, vector: Float32Array | null): (answer: CachedCompletion) => void {
    return (answer) => {
      this.exact.set(plan.exactKey, answer);
      if (!plan.semantic) return;
      const { cache, key, settings } = plan.semantic;
      const fail = (error: Error) => this.logger.warn(`semantic store failed: ${error.message}`);
      // A purge after this point wins over the answer, however long the embedding takes.
      const epoch = cache.purgeEpoch(plan.namespace);
      // With the lookup's vector the entry is indexed on this replica before this returns.
      if (vector) void cache.put(plan.namespace, key, vector, answer, settings, epoch).catch(fail);
      else
        void cache.embedder
          .embed([key.query])
          .then(({ vectors }) => cache.put(plan.namespace, key, vectors[0], answer, settings, epoch))
          .catch(fail);
    };
  }

  /** Empties a tenant's cache (its own namespace and the shared one it uses), on every replica. */
  async purgeTenant(
    tenantId: string,
    options: { shared?: boolean } = {},
  ): Promise<{ namespaces: string[]; semantic_entries: number }> {
    const namespaces = [`tenant:${tenantId}`];
    // A shared namespace holds other tenants' answers too: the caller says whether to purge it.
    const shared = options.shared === false ? undefined : this.sharedOf.get(tenantId);
    if (shared) namespaces.push(shared);
    let entries = 0;
    for (const namespace of namespaces) {
      // The semantic cache's purge sets the generation (the same on every replica); without it
      // (basic mode) the generation is this replica's own.
      if (this.semantic) entries += await this.semantic.purge(namespace);
      else this.generations.set(namespace, randomUUID());
    }
    return { namespaces, semantic_entries: entries };
  }
}
