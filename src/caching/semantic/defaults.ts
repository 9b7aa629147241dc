/**
 * The default similarity threshold of the offline lexical embedder, fitted on the labelled pairs
 * (npm run eval:cache; docs/caching.md "Default threshold"): the lowest threshold of the grid
 * with ≤ 1 % false hits (guards on) on both the hand-written pairs and the 2,000-pair PAWS-Wiki
 * sample; checked on 6,000 other PAWS pairs: 0.5 % false hits, 15 % hits.
 */
export const DEFAULT_LEXICAL_THRESHOLD = 0.98;

/**
 * The default for provider embedding models (cosine of e.g. text-embedding-3-small), which
 * place paraphrases higher than lexical vectors do and near-misses higher too.
 */
export const DEFAULT_PROVIDER_THRESHOLD = 0.95;
