/** What an embedder returns for a batch: one L2-normalised vector per text, and what it cost. */
export interface EmbedderResult {
  vectors: Float32Array[];
  /** Billed to whoever the caller charges (nano-USD; 0 for the offline embedder). */
  costNano: number;
}

/**
 * Turns texts into vectors for the semantic cache. Pluggable: the offline lexical embedder
 * (default, tests) or a provider embedding model (production). Vectors must be L2-normalised:
 * the index compares them by inner product (= cosine similarity).
 */
export interface Embedder {
  /** Names the embedder and its settings: entries embedded by another one are never compared. */
  readonly id: string;
  readonly dimensions: number;
  embed(texts: readonly string[], signal?: AbortSignal): Promise<EmbedderResult>;
}
