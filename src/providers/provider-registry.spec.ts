import { ErrorCode } from '../common/errors';
import { Test } from '@nestjs/testing';
import { register } from 'prom-client';
import { loadAppConfig } from '../config/app-config';
import { AppConfigModule } from '../config/config.module';
import { TelemetryModule } from '../telemetry/telemetry.module';
import { UpstreamHttpService } from './http/upstream-http.service';
import { AdapterRegistry, createAdapters } from './provider-registry';
import { PROVIDER_REGISTRY, type ProviderRegistry } from './provider.types';
import { ProvidersModule, type ProvidersOptions } from './providers.module';
import { SimulatedAdapter } from './simulated/simulated.adapter';

describe('provider registry', () => {
  const keys = {
    OPENAI_API_KEY: 'sk-x',
    ANTHROPIC_API_KEY: 'sk-ant-x',
    MISTRAL_API_KEY: 'm-x',
    LITELLM_BASE_URL: 'http://localhost:4000',
  };

  /** The registry ProvidersModule.register(options) provides, for a gateway configured by `env`. */
  async function registeredAdapters(env: Record<string, string>, options: ProvidersOptions) {
    register.clear(); // the executor's metrics, registered again by this module's TelemetryModule
    const module = await Test.createTestingModule({
      imports: [
        AppConfigModule.forRoot(loadAppConfig(env)),
        TelemetryModule,
        ProvidersModule.register(options),
      ],
    }).compile();
    const adapters = module
      .get<ProviderRegistry>(PROVIDER_REGISTRY)
      .all()
      .map((a) => [a.key, a.configured, a instanceof SimulatedAdapter]);
    await module.close();
    return adapters;
  }

  it('registered simulated (TEST_MODE), serves every provider with the simulator, even with keys set', async () => {
    expect(await registeredAdapters({ TEST_MODE: 'true', ...keys }, { simulated: true })).toEqual([
      ['openai', true, true],
      ['anthropic', true, true],
      ['mistral', true, true],
      ['litellm', true, true],
    ]);
  });

  it('registered with upstreams, serves only the providers with credentials, with real adapters', async () => {
    expect(
      await registeredAdapters(
        { OPENAI_API_KEY: 'sk-x', LITELLM_BASE_URL: 'http://localhost:4000' },
        { simulated: false },
      ),
    ).toEqual([
      ['openai', true, false],
      ['anthropic', false, false],
      ['mistral', false, false],
      ['litellm', true, false],
    ]);
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
