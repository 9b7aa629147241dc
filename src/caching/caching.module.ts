import { createKeyv as createMemoryKeyv } from '@cacheable/memory';
import { CacheModule, CacheModuleOptions } from '@nestjs/cache-manager';
import { DynamicModule, Module, Type } from '@nestjs/common';
import Keyv from 'keyv';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { REDIS_CLIENT, RedisModule, type RedisClient } from '../redis/redis.module';
import { PROVIDER_EXECUTOR } from '../providers/provider.types';
import type { ProviderExecutor } from '../providers/provider.types';
import { CHAT_CACHE, EMBEDDING_MODELS, RESPONSE_CACHE } from './caching.types';
import type { EmbeddingModels } from './caching.types';
import { ChatCacheService, SEMANTIC_CACHE } from './chat-cache.service';
import { DEFAULT_LEXICAL_THRESHOLD, DEFAULT_PROVIDER_THRESHOLD } from './semantic/defaults';
import { SemanticEntryStore } from './semantic/entry-store';
import { LexicalEmbedder } from './semantic/lexical-embedder';
import { RedisKeyvStore } from './redis-keyv-store';
import { ProviderEmbedder } from './semantic/provider-embedder';
import { SemanticCache } from './semantic/semantic-cache';
import { ResponseCacheService } from './response-cache.service';

/** The semantic cache of enhanced and production modes (null in basic mode). */
function createSemanticCache(
  config: AppConfig,
  dataSource: DataSource,
  catalog: EmbeddingModels,
  executor: ProviderExecutor,
): SemanticCache | null {
  if (!config.features.semanticCache) return null;
  const limits = () => ({ maxEntries: config.cache.maxEntries, maxBytes: config.cache.maxBytes });
  const store = new SemanticEntryStore(dataSource);
  const options = { limits, pollIntervalMs: config.cache.syncIntervalMs };
  if (config.cache.embedder === 'lexical') {
    return new SemanticCache(new LexicalEmbedder(), store, {
      ...options,
      defaultThreshold: DEFAULT_LEXICAL_THRESHOLD,
    });
  }
  const spec = catalog.resolveEmbedding(config.cache.embedder);
  if (!spec) {
    throw new Error(
      `CACHE_EMBEDDER=${config.cache.embedder} is neither "lexical" nor an embedding model of ${config.routing.modelsFile}`,
    );
  }
  const target = { provider: spec.provider, model: spec.id, upstreamModel: spec.upstream_id };
  const embedder = new ProviderEmbedder(executor, target, spec.pricing.input, spec.dimensions);
  return new SemanticCache(embedder, store, { ...options, defaultThreshold: DEFAULT_PROVIDER_THRESHOLD });
}

/** Where the cache's collaborators come from: modules of layers above, passed in by the composition. */
export interface CachingOptions {
  /** The module exporting EMBEDDING_MODELS (the routing catalog), for CACHE_EMBEDDER. */
  embeddingModels: Type;
  /** The provider layer the composition registered (ProvidersModule.register), for the embedder. */
  providers: DynamicModule;
}

/** The one module instance per set of collaborators (so every importer shares one cache). */
const registered = new Map<Type, Map<DynamicModule, DynamicModule>>();

/**
 * Response caching: the exact cache in every mode (a bounded in-memory LRU, or Redis shared by
 * every replica when REDIS_URL is set), the semantic cache in enhanced and production (entries in
 * the database, an in-process vector index per replica), and ChatCacheService (CHAT_CACHE) in
 * front of both, used by the chat pipeline's cache steps and the admin purge.
 *
 * The embedding models (CACHE_EMBEDDER) live in the routing catalog, a layer above: the module
 * that exports EMBEDDING_MODELS is passed in (`register({ embeddingModels: RoutingModule, providers })`),
 * with the provider layer the composition registered.
 */
@Module({})
export class CachingModule {
  static register(options: CachingOptions): DynamicModule {
    const byProviders = registered.get(options.embeddingModels) ?? new Map<DynamicModule, DynamicModule>();
    registered.set(options.embeddingModels, byProviders);
    let module = byProviders.get(options.providers);
    if (!module) {
      module = {
        module: CachingModule,
        imports: [options.embeddingModels, options.providers, ...CACHING_IMPORTS],
        ...CACHING_MODULE,
      };
      byProviders.set(options.providers, module);
    }
    return module;
  }
}

const CACHING_IMPORTS = [
  CacheModule.registerAsync({
    imports: [RedisModule],
    inject: [AppConfig, REDIS_CLIENT],
    useFactory: (config: AppConfig, redis: RedisClient | null): CacheModuleOptions => {
      const ttl = config.cache.ttlSeconds * 1000;
      if (redis) {
        const store = new RedisKeyvStore(redis);
        const keyv = new Keyv({ store, namespace: `${config.redisKeyPrefix}cache` });
        keyv.on('error', () => undefined); // a failed command rejects: the service logs it as a miss
        return { stores: [keyv], ttl };
      }
      return { stores: [createMemoryKeyv({ ttl, lruSize: config.cache.maxEntries })], ttl };
    },
  }),
];

const CACHING_MODULE = {
  providers: [
    ResponseCacheService,
    { provide: RESPONSE_CACHE, useExisting: ResponseCacheService },
    {
      provide: SEMANTIC_CACHE,
      inject: [AppConfig, DataSource, EMBEDDING_MODELS, PROVIDER_EXECUTOR],
      useFactory: createSemanticCache,
    },
    ChatCacheService,
    { provide: CHAT_CACHE, useExisting: ChatCacheService },
  ],
  exports: [RESPONSE_CACHE, CHAT_CACHE, ChatCacheService, SEMANTIC_CACHE],
};
