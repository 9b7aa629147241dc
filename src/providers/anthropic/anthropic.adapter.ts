import type { ChatCompletion, ChatCompletionChunk } from '../../common/openai/chat.types';
import type { AppConfig } from '../../config/app-config';
import type { UpstreamHttpService } from '../http/upstream-http.service';
import { UpstreamEndpoint, UpstreamExchange } from '../http/upstream-exchange';
import type { ProviderAdapter, ProviderCallOptions, ProviderRequest } from '../provider.types';
import { malformedResponseError } from '../shared/provider-errors';
import { translateEventStream } from '../shared/stream-translator';
import { ANTHROPIC_STATUS_OVERRIDES, readAnthropicError } from './anthropic.errors';
import { toAnthropicRequest } from './anthropic.request';
import { fromAnthropicResponse } from './anthropic.response';
import { AnthropicStreamTranslator } from './anthropic.stream';

/** ANTHROPIC_BASE_URL excludes /v1 (as in Anthropic's SDK): requests go to <base>/v1/messages. */
const MESSAGES_PATH = '/v1/messages';

/** Anthropic Messages API adapter: HTTP only; translation is in anthropic.request/response/stream. */
export class AnthropicAdapter implements ProviderAdapter {
  readonly key = 'anthropic' as const;
  readonly configured = true;

  constructor(private readonly endpoint: UpstreamEndpoint) {}

  async complete(request: ProviderRequest, options: ProviderCallOptions): Promise<ChatCompletion> {
    const body = toAnthropicRequest(request, false, { maxOutputTokens: options.maxOutputTokens });
    const exchange = await UpstreamExchange.post(this.endpoint, MESSAGES_PATH, JSON.stringify(body), options);
    if (!exchange.ok) throw await exchange.error(readAnthropicError, ANTHROPIC_STATUS_OVERRIDES);
    return fromAnthropicResponse(await exchange.json(), Math.floor(Date.now() / 1000));
  }

  async *stream(request: ProviderRequest, options: ProviderCallOptions): AsyncGenerator<ChatCompletionChunk> {
    const body = toAnthropicRequest(request, true, { maxOutputTokens: options.maxOutputTokens });
    const exchange = await UpstreamExchange.post(this.endpoint, MESSAGES_PATH, JSON.stringify(body), options);
    if (!exchange.ok) throw await exchange.error(readAnthropicError, ANTHROPIC_STATUS_OVERRIDES);
    if (!exchange.contentType.includes('text/event-stream')) {
      exchange.finish();
      throw malformedResponseError(this.key, `expected an event stream, got "${exchange.contentType}"`);
    }
    const translator = new AnthropicStreamTranslator(request.model, Math.floor(Date.now() / 1000));
    yield* translateEventStream(this.key, exchange, translator);
  }
}

/** Null when ANTHROPIC_API_KEY is unset. */
export function createAnthropicAdapter(config: AppConfig, http: UpstreamHttpService): ProviderAdapter | null {
  const { apiKey, baseUrl, version } = config.providers.anthropic;
  if (!apiKey) return null;
  const endpoint = http.endpoint('anthropic', baseUrl, { 'x-api-key': apiKey, 'anthropic-version': version });
  return new AnthropicAdapter(endpoint);
}
