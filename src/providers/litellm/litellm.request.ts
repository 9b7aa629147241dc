import type { OpenAICompatibleDialect } from '../openai-compatible/openai-compatible.dialect';
import { LITELLM_STATUS_OVERRIDES } from './litellm.errors';

/**
 * A LiteLLM proxy speaks OpenAI's format and maps parameters to its own backends itself, so
 * everything is forwarded (its `drop_params` setting decides what the backend gets). Streams
 * ask for usage with stream_options like OpenAI.
 */
export const LITELLM_DIALECT: OpenAICompatibleDialect = {
  provider: 'litellm',
  parameters: {},
  otherParameters: 'forward',
  // LiteLLM passes `thinking` and assistant `thinking_blocks` on to Claude models.
  thinkingBlocks: 'forward',
  streamUsage: 'stream_options',
  toolChoiceRequired: 'required',
  statusOverrides: LITELLM_STATUS_OVERRIDES,
};

/**
 * LITELLM_BASE_URL is the proxy's root (http://localhost:4000), as in LiteLLM's docs; requests
 * go to `<root>/v1/chat/completions`. A base that already ends in /v1 is accepted and not
 * doubled.
 */
export function litellmApiBase(baseUrl: string): string {
  const trimmed = baseUrl.replace(/\/+$/, '');
  return /\/v1$/.test(trimmed) ? trimmed : `${trimmed}/v1`;
}
