import type { ChatCompletion, ChatCompletionChunk } from '../../common/openai/chat.types';
import { toAnthropicRequest } from '../anthropic/anthropic.request';
import { MISTRAL_DIALECT } from '../mistral/mistral.adapter';
import { LITELLM_DIALECT } from '../litellm/litellm.request';
import { OPENAI_DIALECT } from '../openai/openai.request';
import { toOpenAICompatibleRequest } from '../openai-compatible/openai-compatible.request';
import type { ProviderAdapter, ProviderCallOptions, ProviderRequest } from '../provider.types';
import type { ProviderKey } from '../../common/provider-keys';
import { clientAbortedError } from '../shared/provider-errors';
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

/**
 * TEST_MODE's stand-in for a provider: deterministic answers computed locally, no network,
 * no artificial delay. One instance per provider key, all configured.
 */
export class SimulatedAdapter implements ProviderAdapter {
  readonly configured = true;

  constructor(readonly key: ProviderKey) {}

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
