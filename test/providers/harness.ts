import { loadAppConfig } from '../../src/config/app-config';
import type { AppConfig } from '../../src/config/app-config';
import type { ChatCompletionChunk, ChatCompletionRequest } from '../../src/common/openai/chat.types';
import { UpstreamHttpService } from '../../src/providers/http/upstream-http.service';
import { createAdapters } from '../../src/providers/provider-registry';
import type {
  ProviderAdapter,
  ProviderCallOptions,
  ProviderRequest,
} from '../../src/providers/provider.types';
import type { ProviderKey } from '../../src/common/provider-keys';
import { startFakeUpstream, FakeUpstream } from '../support/fake-upstream';

/** Adapters wired to a fresh fake upstream over real HTTP (no Nest, no mocks). */
export interface AdapterHarness {
  fake: FakeUpstream;
  config: AppConfig;
  http: UpstreamHttpService;
  adapters: Record<ProviderKey, ProviderAdapter>;
  close(): Promise<void>;
}

export async function startAdapterHarness(env: Record<string, string> = {}): Promise<AdapterHarness> {
  const fake = await startFakeUpstream();
  const config = loadAppConfig({
    ...fake.env(),
    PROVIDER_RETRY_BASE_MS: '1',
    PROVIDER_RETRY_MAX_MS: '50',
    PROVIDER_FIRST_BYTE_TIMEOUT_MS: '2000',
    PROVIDER_TOTAL_TIMEOUT_MS: '5000',
    ...env,
  });
  const http = new UpstreamHttpService(config);
  const list = createAdapters(config, http);
  const adapters = Object.fromEntries(list.map((adapter) => [adapter.key, adapter])) as Record<
    ProviderKey,
    ProviderAdapter
  >;
  return {
    fake,
    config,
    http,
    adapters,
    close: async () => {
      await http.onApplicationShutdown();
      await fake.close();
    },
  };
}

export function callOptions(signal: AbortSignal = new AbortController().signal): ProviderCallOptions {
  return { signal, requestId: 'req-test' };
}

export function request(model: string, extra: Partial<ChatCompletionRequest> = {}): ProviderRequest {
  return { model, messages: [{ role: 'user', content: 'Say hello.' }], ...extra };
}

export async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

/** The text and tool calls a client would assemble from the chunks. */
export function assemble(chunks: ChatCompletionChunk[]): {
  text: string;
  toolCalls: Array<{ id: string; name: string; arguments: string }>;
  finish: string | null;
} {
  let text = '';
  let finish: string | null = null;
  const calls: Array<{ id: string; name: string; arguments: string }> = [];
  for (const chunk of chunks) {
    for (const choice of chunk.choices) {
      if (choice.delta.content) text += choice.delta.content;
      for (const call of choice.delta.tool_calls ?? []) {
        const slot = (calls[call.index] ??= { id: '', name: '', arguments: '' });
        if (call.id) slot.id = call.id;
        if (call.function?.name) slot.name = call.function.name;
        if (call.function?.arguments) slot.arguments += call.function.arguments;
      }
      if (choice.finish_reason) finish = choice.finish_reason;
    }
  }
  return { text, toolCalls: calls, finish };
}
