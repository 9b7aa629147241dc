import type { AppConfig } from '../../config/app-config';
import type { UpstreamHttpService } from '../http/upstream-http.service';
import { OpenAICompatibleAdapter } from '../openai-compatible/openai-compatible.adapter';
import type { ProviderAdapter } from '../provider.types';
import { readLiteLLMError } from './litellm.errors';
import { LITELLM_DIALECT, litellmApiBase } from './litellm.request';

/**
 * A LiteLLM proxy at LITELLM_BASE_URL (its root). Configured by the base URL alone;
 * LITELLM_API_KEY (the proxy's master or virtual key) is sent as a bearer token when set.
 */
export function createLiteLLMAdapter(config: AppConfig, http: UpstreamHttpService): ProviderAdapter | null {
  const { apiKey, baseUrl } = config.providers.litellm;
  if (!baseUrl) return null;
  const headers: Record<string, string> = apiKey ? { authorization: `Bearer ${apiKey}` } : {};
  const endpoint = http.endpoint('litellm', litellmApiBase(baseUrl), headers);
  return new OpenAICompatibleAdapter(LITELLM_DIALECT, endpoint, readLiteLLMError);
}
