import type { ChatCompletion } from '../common/openai/chat.types';
import type { ProviderKey } from '../common/provider-keys';

/** A cached upstream answer, with what it cost originally (the saving a hit records). */
export interface CachedCompletion {
  completion: ChatCompletion;
  provider: string;
  model: string;
  costNano: number;
}

/** Response cache used by the chat pipeline (enhanced and production modes). */
export interface ResponseCache {
  get(key: string): Promise<CachedCompletion | null>;
  /** Never throws; may complete asynchronously. */
  set(key: string, entry: CachedCompletion): void;
}

export const RESPONSE_CACHE = Symbol('RESPONSE_CACHE');

/** DI token of the chat pipeline's cache step (ChatCacheService). */
export const CHAT_CACHE = Symbol('CHAT_CACHE');

/** An embedding model the semantic cache can embed its queries with (config/models.yaml). */
export interface CacheEmbeddingModel {
  id: string;
  provider: ProviderKey;
  upstream_id: string;
  /** USD per 1M input tokens. */
  pricing: { input: number };
  dimensions: number;
}

/** Where the semantic cache finds CACHE_EMBEDDER (the routing catalog, passed in from above). */
export interface EmbeddingModels {
  resolveEmbedding(idOrAlias: string): CacheEmbeddingModel | undefined;
}

/** DI token of the EmbeddingModels (exported by the routing module). */
export const EMBEDDING_MODELS = Symbol('EMBEDDING_MODELS');
