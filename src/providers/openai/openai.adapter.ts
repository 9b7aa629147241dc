import type { AppConfig } from '../../config/app-config';
import type { UpstreamHttpService } from '../http/upstream-http.service';
import { OpenAICompatibleAdapter } from '../openai-compatible/openai-compatible.adapter';
import type { ProviderAdapter } from '../provider.types';
import { OPENAI_DIALECT } from './openai.request';

/**
 * OpenAI Chat Completions at OPENAI_BASE_URL (which includes /v1, as in the official SDK);
 * requests go to `<base>/chat/completions`. Null when OPENAI_API_KEY is unset.
 */
export function createOpenAIAdapter(config: AppConfig, http: UpstreamHttpService): ProviderAdapter | null {
  const { apiKey, baseUrl } = config.providers.openai;
  if (!apiKey) return null;
  const endpoint = http.endpoint('openai', baseUrl, { authorization: `Bearer ${apiKey}` });
  return new OpenAICompatibleAdapter(OPENAI_DIALECT, endpoint);
}
