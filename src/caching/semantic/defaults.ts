/**
 * The default similarity threshold of the offline lexical embedder, fitted on the labelled pairs
 * (npm run eval:cache; docs/caching.md): the lowest threshold at which the near-misses give no
 * false hit even with the guards off (with them on, every threshold from 0.85 up gives none), so
 * that a wrong answer needs both a guard miss and a very close vector.
 */
export const DEFAULT_LEXICAL_THRESHOLD = 0.94;

/**
 * The default for provider embedding models (cosine of e.g. text-embedding-3-small), which
 * place paraphrases higher than lexical vectors do and near-misses higher too.
 */
export const DEFAULT_PROVIDER_THRESHOLD = 0.95;
