import { ErrorCode } from '../common/errors';
import { loadAppConfig } from '../config/app-config';
import { UpstreamHttpService } from './http/upstream-http.service';
import { AdapterRegistry, createAdapters } from './provider-registry';
import { SimulatedAdapter } from './simulated/simulated.adapter';

describe('provider registry', () => {
  const keys = {
    OPENAI_API_KEY: 'sk-x',
    ANTHROPIC_API_KEY: 'sk-ant-x',
    MISTRAL_API_KEY: 'm-x',
    LITELLM_BASE_URL: 'http://localhost:4000',
  };

  it('in TEST_MODE registers the simulator for every provider, even with keys set', async () => {
    const config = loadAppConfig({ TEST_MODE: 'true', ...keys });
    const http = new UpstreamHttpService(config);
    const registry = new AdapterRegistry(createAdapters(config, http));
    expect(registry.all().map((a) => [a.key, a.configured, a instanceof SimulatedAdapter])).toEqual([
      ['openai', true, true],
      ['anthropic', true, true],
      ['mistral', true, true],
      ['litellm', true, true],
    ]);
    await http.onApplicationShutdown();
  });

  it('registers real adapters only for providers with credentials (LiteLLM: its base URL)', async () => {
    const config = loadAppConfig({ OPENAI_API_KEY: 'sk-x', LITELLM_BASE_URL: 'http://localhost:4000' });
    const http = new UpstreamHttpService(config);
    const registry = new AdapterRegistry(createAdapters(config, http));
    expect(
      ['openai', 'anthropic', 'mistral', 'litellm'].map((key) => registry.isConfigured(key as 'openai')),
    ).toEqual([true, false, false, true]);
    await expect(
      registry
        .get('anthropic')
        .complete(
          { model: 'claude', messages: [] },
          { signal: new AbortController().signal, requestId: 'r' },
        ),
    ).rejects.toMatchObject({
      code: ErrorCode.NoProviderAvailable,
      message: 'anthropic is not configured (set ANTHROPIC_API_KEY)',
    });
    await http.onApplicationShutdown();
  });
});
