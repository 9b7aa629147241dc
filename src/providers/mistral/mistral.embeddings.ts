import type { ProviderEmbeddingRequest } from '../embedding.types';
import { unsupportedParameter } from '../shared/provider-errors';

/**
 * Mistral's embeddings request (POST /v1/embeddings): text input only (no token ids), the
 * shorter length is `output_dimension` (codestral-embed; the catalog says which models take
 * one), floats by default. Mistral rejects unknown fields (extra_forbidden), so `user` is not
 * sent: it only ever labelled the request for abuse monitoring.
 */
export function toMistralEmbeddingRequest(request: ProviderEmbeddingRequest): Record<string, unknown> {
  if (request.input.some((item) => typeof item !== 'string')) {
    throw unsupportedParameter('mistral', 'input', 'Mistral embeds text only, not token ids');
  }
  const body: Record<string, unknown> = { model: request.model, input: request.input };
  if (request.dimensions !== undefined) body.output_dimension = request.dimensions;
  return body;
}
