import type { ChatCompletion, ChatCompletionChunk } from '../common/openai/chat.types';
import { ErrorCode } from '../common/errors';
import type { AppConfig } from '../config/app-config';
import { createAnthropicAdapter } from './anthropic/anthropic.adapter';
import type { UpstreamHttpService } from './http/upstream-http.service';
import { createLiteLLMAdapter } from './litellm/litellm.adapter';
import { createMistralAdapter } from './mistral/mistral.adapter';
import { createOpenAIAdapter } from './openai/openai.adapter';
import { ProviderAdapter, ProviderError, ProviderRegistry } from './provider.types';
import { PROVIDER_KEYS, ProviderKey } from '../common/provider-keys';
import { SimulatedAdapter } from './simulated/simulated.adapter';

/** The setting that makes each provider available. */
const REQUIRED_SETTING: Record<ProviderKey, string> = {
  openai: 'OPENAI_API_KEY',
  anthropic: 'ANTHROPIC_API_KEY',
  mistral: 'MISTRAL_API_KEY',
  litellm: 'LITELLM_BASE_URL',
};

/** Stands in for a provider without credentials: never routed to; fails clearly if called. */
export class UnconfiguredAdapter implements ProviderAdapter {
  readonly configured = false;

  constructor(readonly key: ProviderKey) {}

  private error(): ProviderError {
    return new ProviderError(
      this.key,
      ErrorCode.NoProviderAvailable,
      `${this.key} is not configured (set ${REQUIRED_SETTING[this.key]})`,
      {
        retryable: false,
      },
    );
  }

  complete(): Promise<ChatCompletion> {
    return Promise.reject(this.error());
  }

  embed(): Promise<never> {
    return Promise.reject(this.error());
  }

  // eslint-disable-next-line require-yield
  async *stream(): AsyncGenerator<ChatCompletionChunk> {
    throw this.error();
  }
}

/** The simulator standing in for every provider (TEST_MODE's registration, see ProvidersModule). */
export function simulatedAdapters(): ProviderAdapter[] {
  return PROVIDER_KEYS.map((key) => new SimulatedAdapter(key));
}

/** The real adapters: one per provider that has credentials. */
export function createAdapters(config: AppConfig, http: UpstreamHttpService): ProviderAdapter[] {
  const factories = [createOpenAIAdapter, createAnthropicAdapter, createMistralAdapter, createLiteLLMAdapter];
  const adapters: ProviderAdapter[] = [];
  for (const create of factories) {
    const adapter = create(config, http);
    if (adapter) adapters.push(adapter);
  }
  return adapters;
}

/** Typed lookup: every provider key resolves to an adapter (unconfigured ones to a stand-in). */
export class AdapterRegistry implements ProviderRegistry {
  private readonly byKey = new Map<ProviderKey, ProviderAdapter>();
  private readonly list: ProviderAdapter[];

  constructor(adapters: readonly ProviderAdapter[]) {
    for (const adapter of adapters) this.byKey.set(adapter.key, adapter);
    for (const key of PROVIDER_KEYS)
      if (!this.byKey.has(key)) this.byKey.set(key, new UnconfiguredAdapter(key));
    this.list = PROVIDER_KEYS.map((key) => this.byKey.get(key)!);
  }

  get(provider: ProviderKey): ProviderAdapter {
    return this.byKey.get(provider)!;
  }

  isConfigured(provider: ProviderKey): boolean {
    return this.byKey.get(provider)?.configured ?? false;
  }

  all(): readonly ProviderAdapter[] {
    return this.list;
  }
}
