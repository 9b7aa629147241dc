import type { ChatCompletion, ChatCompletionChunk } from '../../common/openai/chat.types';
import { toAnthropicRequest } from '../anthropic/anthropic.request';
import { MISTRAL_DIALECT } from '../mistral/mistral.adapter';
import { LITELLM_DIALECT } from '../litellm/litellm.request';
import { OPENAI_DIALECT } from '../openai/openai.request';
import { toOpenAICompatibleRequest } from '../openai-compatible/openai-compatible.request';
import { PROVIDERS_WITHOUT_EMBEDDINGS } from '../provider.types';
import type { ProviderAdapter, ProviderCallOptions, ProviderRequest } from '../provider.types';
import type { ProviderKey } from '../../common/provider-keys';
import { clientAbortedError } from '../shared/provider-errors';
import type { ProviderEmbeddingRequest, ProviderEmbeddingResult } from '../embedding.types';
import { estimateTextTokens } from '../../common/token-estimator';
import { lexicalVector } from '../../common/lexical-vector';
import { toMistralEmbeddingRequest } from '../mistral/mistral.embeddings';
import { simulateChunks, simulateCompletion } from './simulated.response';

/**
 * Each provider's real request translation, run and discarded: a request the real provider
 * would refuse (Anthropic with n=2, Mistral with logprobs, ...) is refused the same way in
 * TEST_MODE, so routing and fallbacks behave as in production.
 */
const VALIDATE: Record<ProviderKey, (request: ProviderRequest, options: ProviderCallOptions) => unknown> = {
  openai: (request) => toOpenAICompatibleRequest(request, OPENAI_DIALECT, false),
  mistral: (request) => toOpenAICompatibleRequest(request, MISTRAL_DIALECT, false),
  litellm: (request) => toOpenAICompatibleRequest(request, LITELLM_DIALECT, false),
  anthropic: (request, options) =>
    toAnthropicRequest(request, false, { maxOutputTokens: options.maxOutputTokens }),
};

/** Vector length when neither the request nor the catalog says one. */
export const SIMULATED_EMBEDDING_DIMENSIONS = 256;

/**
 * TEST_MODE's stand-in for a provider: deterministic answers computed locally, no network,
 * no artificial delay. One instance per provider key, all configured.
 */
export class SimulatedAdapter implements ProviderAdapter {
  readonly configured = true;
  /** Like the real providers: Anthropic has no embeddings API. */
  readonly embed?: (
    request: ProviderEmbeddingRequest,
    options: ProviderCallOptions,
  ) => Promise<ProviderEmbeddingResult>;

  constructor(readonly key: ProviderKey) {
    if (!PROVIDERS_WITHOUT_EMBEDDINGS.includes(key))
      this.embed = (request, options) => this.simulateEmbed(request, options);
  }

  /**
   * Deterministic vectors: the lexical embedder's (src/caching/semantic/lexical-embedder.ts) at
   * the requested length, so equal texts get equal vectors and similar texts similar ones.
   * The provider's own request translation runs first, so what it would refuse is refused here.
   */
  private simulateEmbed(
    request: ProviderEmbeddingRequest,
    options: ProviderCallOptions,
  ): Promise<ProviderEmbeddingResult> {
    if (options.signal.aborted) return Promise.reject(clientAbortedError(this.key));
    try {
      if (this.key === 'mistral') toMistralEmbeddingRequest(request);
      const dimensions = request.dimensions ?? options.embeddingDimensions ?? SIMULATED_EMBEDDING_DIMENSIONS;
      let promptTokens = 0;
      const vectors = request.input.map((item) => {
        const text = typeof item === 'string' ? item : item.join(' ');
        promptTokens += typeof item === 'string' ? estimateTextTokens(item) : item.length;
        return Array.from(lexicalVector(text, dimensions));
      });
      return Promise.resolve({ vectors, promptTokens });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  complete(request: ProviderRequest, options: ProviderCallOptions): Promise<ChatCompletion> {
    if (options.signal.aborted) return Promise.reject(clientAbortedError(this.key));
    try {
      VALIDATE[this.key](request, options);
      return Promise.resolve(simulateCompletion(this.key, request, Math.floor(Date.now() / 1000)));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async *stream(request: ProviderRequest, options: ProviderCallOptions): AsyncGenerator<ChatCompletionChunk> {
    VALIDATE[this.key](request, options);
    for (const chunk of simulateChunks(this.key, request, Math.floor(Date.now() / 1000))) {
      if (options.signal.aborted) throw clientAbortedError(this.key);
      yield chunk;
    }
  }
}
