import { DynamicModule, Module, type Provider } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { TelemetryModule } from '../telemetry/telemetry.module';
import { CircuitBreakers } from './executor/circuit-breakers.service';
import { ProviderExecutorService } from './executor/provider-executor.service';
import { UpstreamHttpService } from './http/upstream-http.service';
import { AdapterRegistry, createAdapters, simulatedAdapters } from './provider-registry';
import { PROVIDER_ADAPTERS, PROVIDER_EXECUTOR, PROVIDER_REGISTRY, ProviderAdapter } from './provider.types';

export interface ProvidersOptions {
  /**
   * TEST_MODE: the deterministic simulator is registered for every provider (all available, no
   * network even when keys are set). Otherwise the real adapters of the providers with credentials.
   */
  simulated: boolean;
}

/** The real adapters: one per provider with credentials, over the shared upstream HTTP client. */
const UPSTREAM_ADAPTERS: Provider[] = [
  UpstreamHttpService,
  {
    provide: PROVIDER_ADAPTERS,
    inject: [AppConfig, UpstreamHttpService],
    useFactory: (config: AppConfig, http: UpstreamHttpService): ProviderAdapter[] =>
      createAdapters(config, http),
  },
];

/** The simulator standing in for every provider (TEST_MODE). */
const SIMULATED_ADAPTERS: Provider[] = [{ provide: PROVIDER_ADAPTERS, useFactory: simulatedAdapters }];

/** The one module instance per adapter set (so every importer shares one executor). */
const registered = new Map<boolean, DynamicModule>();

/**
 * The provider layer, registered with its adapter set by the composition
 * (`ProvidersModule.register({ simulated: config.testMode })` in app.modules.ts) and passed to
 * the modules that use it. Exports:
 * - PROVIDER_EXECUTOR (ProviderExecutor): complete/stream along a route chain with retries,
 *   circuit breakers and fallbacks; isProviderConfigured/isCircuitOpen for the router;
 * - PROVIDER_REGISTRY (ProviderRegistry): the adapter per provider key;
 * - PROVIDER_ADAPTERS: the registered adapters (simulated: the simulator for every provider).
 * Needs AppConfig (AppConfigModule, global); imports the metrics (TelemetryModule).
 */
@Module({})
export class ProvidersModule {
  static register(options: ProvidersOptions): DynamicModule {
    let module = registered.get(options.simulated);
    if (!module) {
      module = {
        module: ProvidersModule,
        imports: [TelemetryModule],
        providers: [
          ...(options.simulated ? SIMULATED_ADAPTERS : UPSTREAM_ADAPTERS),
          {
            provide: PROVIDER_REGISTRY,
            inject: [PROVIDER_ADAPTERS],
            useFactory: (adapters: ProviderAdapter[]) => new AdapterRegistry(adapters),
          },
          CircuitBreakers,
          ProviderExecutorService,
          { provide: PROVIDER_EXECUTOR, useExisting: ProviderExecutorService },
        ],
        exports: [PROVIDER_EXECUTOR, PROVIDER_REGISTRY, PROVIDER_ADAPTERS],
      };
      registered.set(options.simulated, module);
    }
    return module;
  }
}
