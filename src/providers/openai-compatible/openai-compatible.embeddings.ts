import type { ProviderEmbeddingRequest, ProviderEmbeddingResult } from '../embedding.types';
import type { ProviderKey } from '../../common/provider-keys';
import { malformedResponseError } from '../shared/provider-errors';

/**
 * The OpenAI embeddings request (OpenAI, LiteLLM): floats are always asked for (the gateway
 * encodes base64 itself when the client wants it), `dimensions` and `user` forwarded.
 */
export function toOpenAIEmbeddingRequest(request: ProviderEmbeddingRequest): Record<string, unknown> {
  const body: Record<string, unknown> = {
    model: request.model,
    input: request.input,
    encoding_format: 'float',
  };
  if (request.dimensions !== undefined) body.dimensions = request.dimensions;
  if (request.user !== undefined) body.user = request.user;
  return body;
}

/** Little-endian float32 bytes in base64 (what OpenAI sends for encoding_format "base64"). */
export function decodeBase64Floats(text: string): number[] | null {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length % 4 !== 0) return null;
  const out = new Array<number>(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
  return out;
}

function vectorOf(value: unknown): number[] | null {
  if (typeof value === 'string') return decodeBase64Floats(value);
  if (!Array.isArray(value) || value.length === 0) return null;
  for (const item of value) if (typeof item !== 'number' || !Number.isFinite(item)) return null;
  return value as number[];
}

function tokenCount(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : null;
}

/**
 * Reads an OpenAI-format embeddings answer (OpenAI, Mistral, LiteLLM): `data[].embedding` by
 * `index`, one per input item, all of one length. Anything else is a malformed answer (502).
 */
export function fromOpenAIEmbeddingResponse(
  body: unknown,
  provider: ProviderKey,
  expectedCount: number,
): ProviderEmbeddingResult {
  if (typeof body !== 'object' || body === null) throw malformedResponseError(provider, 'not an object');
  const { data, usage } = body as { data?: unknown; usage?: unknown };
  if (!Array.isArray(data) || data.length !== expectedCount) {
    throw malformedResponseError(
      provider,
      `expected ${expectedCount} embeddings, got ${Array.isArray(data) ? data.length : 'none'}`,
    );
  }
  const vectors = new Array<number[] | undefined>(expectedCount);
  data.forEach((item: unknown, position) => {
    const entry = (item ?? {}) as { index?: unknown; embedding?: unknown };
    const index = typeof entry.index === 'number' ? entry.index : position;
    const vector = vectorOf(entry.embedding);
    if (!Number.isInteger(index) || index < 0 || index >= expectedCount || vectors[index] !== undefined) {
      throw malformedResponseError(provider, `embedding index ${String(entry.index)} is out of place`);
    }
    if (!vector) throw malformedResponseError(provider, `embedding ${index} is not a list of numbers`);
    vectors[index] = vector;
  });
  const length = vectors[0]!.length;
  if (vectors.some((vector) => vector!.length !== length)) {
    throw malformedResponseError(provider, 'the embeddings differ in length');
  }
  const reported = (usage ?? {}) as { prompt_tokens?: unknown; total_tokens?: unknown };
  return {
    vectors: vectors as number[][],
    promptTokens: tokenCount(reported.prompt_tokens) ?? tokenCount(reported.total_tokens),
  };
}
