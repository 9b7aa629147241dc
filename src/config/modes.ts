/**
 * Modes select module sets (see app.modules.ts) and the behaviour flags below. This table is
 * the one place that says what a mode means; services read flags, never the mode name.
 */
export const MODES = ['basic', 'enhanced', 'production'] as const;
export type Mode = (typeof MODES)[number];

export interface ModeFeatures {
  /** Response cache (caching module): exact match. */
  responseCache: boolean;
  /** The semantic cache (by meaning; needs the database for its entries). */
  semanticCache: boolean;
  /** Cheap-LLM intent fallback on low confidence (never in TEST_MODE). */
  llmIntentFallback: boolean;
  /** Accept the static keys of API_KEYS (mapped to the `default` tenant). */
  staticApiKeys: boolean;
  /** Shared state (rate limits, caches, revocations) in Redis; requires REDIS_URL. */
  requiresRedis: boolean;
  /** Requires DATABASE_URL (no embedded database). */
  requiresDatabase: boolean;
  /** Requires API_KEY_HASH_SECRET (database key digests keyed by a secret kept outside the database). */
  requiresKeyHashSecret: boolean;
}

export const MODE_FEATURES: Record<Mode, ModeFeatures> = {
  basic: {
    responseCache: true,
    semanticCache: false,
    llmIntentFallback: false,
    staticApiKeys: true,
    requiresRedis: false,
    requiresDatabase: false,
    requiresKeyHashSecret: false,
  },
  enhanced: {
    responseCache: true,
    semanticCache: true,
    llmIntentFallback: true,
    staticApiKeys: true,
    requiresRedis: false,
    requiresDatabase: false,
    requiresKeyHashSecret: false,
  },
  production: {
    responseCache: true,
    semanticCache: true,
    llmIntentFallback: true,
    staticApiKeys: false,
    requiresRedis: true,
    requiresDatabase: true,
    requiresKeyHashSecret: true,
  },
};
