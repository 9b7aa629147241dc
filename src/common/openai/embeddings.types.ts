/**
 * The OpenAI embeddings wire format (POST /v1/embeddings), as clients send and receive it.
 * https://platform.openai.com/docs/api-reference/embeddings
 */

/** A string, a list of strings, a list of token ids, or a list of token-id lists. */
export type EmbeddingInput = string | string[] | number[] | number[][];

export interface EmbeddingRequest {
  model: string;
  input: EmbeddingInput;
  encoding_format?: 'float' | 'base64';
  dimensions?: number;
  user?: string;
  [extra: string]: unknown;
}

export interface Embedding {
  object: 'embedding';
  index: number;
  /** Floats, or (encoding_format "base64") the little-endian float32 bytes in base64. */
  embedding: number[] | string;
}

export interface EmbeddingUsage {
  prompt_tokens: number;
  total_tokens: number;
}

export interface EmbeddingResponse {
  object: 'list';
  data: Embedding[];
  model: string;
  usage: EmbeddingUsage;
}
