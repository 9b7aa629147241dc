/** The provider side of embeddings (the OpenAI wire types are in common/openai/embeddings.types.ts). */

/**
 * What an adapter is handed: the input normalised to a list (texts or token-id lists), the
 * provider's model id, and the shorter length when the client asked for one. Adapters always ask
 * their upstream for floats; the gateway encodes base64 itself.
 */
export interface ProviderEmbeddingRequest {
  model: string;
  input: string[] | number[][];
  dimensions?: number;
  user?: string;
}

/** What an adapter returns: one float vector per input item, in input order, and usage when reported. */
export interface ProviderEmbeddingResult {
  vectors: number[][];
  /** Input tokens as the upstream reported them (null when it reported none or garbage). */
  promptTokens: number | null;
}
