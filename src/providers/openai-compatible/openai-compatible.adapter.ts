import type { ChatCompletion, ChatCompletionChunk } from '../../common/openai/chat.types';
import type { ProviderEmbeddingRequest, ProviderEmbeddingResult } from '../embedding.types';
import { UpstreamEndpoint, UpstreamExchange, ErrorBodyReader } from '../http/upstream-exchange';
import type { ProviderAdapter, ProviderCallOptions, ProviderRequest } from '../provider.types';
import type { ProviderKey } from '../../common/provider-keys';
import { malformedResponseError } from '../shared/provider-errors';
import { translateEventStream } from '../shared/stream-translator';
import type { OpenAICompatibleDialect } from './openai-compatible.dialect';
import { fromOpenAIEmbeddingResponse, toOpenAIEmbeddingRequest } from './openai-compatible.embeddings';
import { readOpenAIStyleError } from './openai-compatible.errors';
import { toOpenAICompatibleRequest } from './openai-compatible.request';
import { fromOpenAICompatibleResponse } from './openai-compatible.response';
import { OpenAICompatibleStreamTranslator } from './openai-compatible.stream';

const CHAT_PATH = '/chat/completions';
const EMBEDDINGS_PATH = '/embeddings';

/**
 * The shared adapter of OpenAI-compatible upstreams (OpenAI, Mistral, LiteLLM): HTTP only.
 * Everything that differs between them is in the dialect and the error reader.
 */
export class OpenAICompatibleAdapter implements ProviderAdapter {
  readonly key: ProviderKey;
  readonly configured = true;

  constructor(
    private readonly dialect: OpenAICompatibleDialect,
    private readonly endpoint: UpstreamEndpoint,
    private readonly readError: ErrorBodyReader = readOpenAIStyleError,
  ) {
    this.key = dialect.provider;
  }

  async complete(request: ProviderRequest, options: ProviderCallOptions): Promise<ChatCompletion> {
    const body = toOpenAICompatibleRequest(request, this.dialect, false);
    const exchange = await UpstreamExchange.post(this.endpoint, CHAT_PATH, JSON.stringify(body), options);
    if (!exchange.ok) throw await exchange.error(this.readError, this.dialect.statusOverrides);
    return fromOpenAICompatibleResponse(await exchange.json(), this.dialect, request.model, nowSeconds());
  }

  async embed(
    request: ProviderEmbeddingRequest,
    options: ProviderCallOptions,
  ): Promise<ProviderEmbeddingResult> {
    const body = (this.dialect.embeddingRequest ?? toOpenAIEmbeddingRequest)(request);
    const exchange = await UpstreamExchange.post(
      this.endpoint,
      EMBEDDINGS_PATH,
      JSON.stringify(body),
      options,
    );
    if (!exchange.ok) throw await exchange.error(this.readError, this.dialect.statusOverrides);
    return fromOpenAIEmbeddingResponse(await exchange.json(), this.key, request.input.length);
  }

  async *stream(request: ProviderRequest, options: ProviderCallOptions): AsyncGenerator<ChatCompletionChunk> {
    const body = toOpenAICompatibleRequest(request, this.dialect, true);
    const exchange = await UpstreamExchange.post(this.endpoint, CHAT_PATH, JSON.stringify(body), options);
    if (!exchange.ok) throw await exchange.error(this.readError, this.dialect.statusOverrides);
    if (!exchange.contentType.includes('text/event-stream')) {
      exchange.finish();
      throw malformedResponseError(this.key, `expected an event stream, got "${exchange.contentType}"`);
    }
    yield* translateEventStream(
      this.key,
      exchange,
      new OpenAICompatibleStreamTranslator(this.dialect, request, nowSeconds()),
    );
  }
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
