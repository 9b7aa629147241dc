import type { AppConfig } from '../../config/app-config';
import type { UpstreamHttpService } from '../http/upstream-http.service';
import { OpenAICompatibleAdapter } from '../openai-compatible/openai-compatible.adapter';
import type { OpenAICompatibleDialect } from '../openai-compatible/openai-compatible.dialect';
import type { ProviderAdapter } from '../provider.types';
import { toMistralEmbeddingRequest } from './mistral.embeddings';
import { MISTRAL_STATUS_OVERRIDES, readMistralError } from './mistral.errors';
import { MISTRAL_PARAMETERS, toMistralMessages } from './mistral.request';
import { MISTRAL_FINISH_REASONS } from './mistral.response';

/** Mistral's declared differences from OpenAI (see mistral.request.ts / .response.ts). */
export const MISTRAL_DIALECT: OpenAICompatibleDialect = {
  provider: 'mistral',
  parameters: MISTRAL_PARAMETERS,
  otherParameters: 'drop',
  // Mistral always puts usage on the last chunk and rejects stream_options (extra_forbidden).
  streamUsage: 'always',
  // Mistral's long-standing name for "must call a tool" (it now also accepts "required").
  toolChoiceRequired: 'any',
  translateMessages: toMistralMessages,
  finishReasons: MISTRAL_FINISH_REASONS,
  statusOverrides: MISTRAL_STATUS_OVERRIDES,
  embeddingRequest: toMistralEmbeddingRequest,
};

/**
 * Mistral chat completions at MISTRAL_BASE_URL (which includes /v1, e.g.
 * https://api.mistral.ai/v1). Null when MISTRAL_API_KEY is unset.
 */
export function createMistralAdapter(config: AppConfig, http: UpstreamHttpService): ProviderAdapter | null {
  const { apiKey, baseUrl } = config.providers.mistral;
  if (!apiKey) return null;
  const endpoint = http.endpoint('mistral', baseUrl, { authorization: `Bearer ${apiKey}` });
  return new OpenAICompatibleAdapter(MISTRAL_DIALECT, endpoint, readMistralError);
}
