import { Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { CircuitBreakers } from './executor/circuit-breakers.service';
import { ProviderExecutorService } from './executor/provider-executor.service';
import { UpstreamHttpService } from './http/upstream-http.service';
import { AdapterRegistry, createAdapters } from './provider-registry';
import { PROVIDER_ADAPTERS, PROVIDER_EXECUTOR, PROVIDER_REGISTRY, ProviderAdapter } from './provider.types';

/**
 * The provider layer. Exports:
 * - PROVIDER_EXECUTOR (ProviderExecutor): complete/stream along a route chain with retries,
 *   circuit breakers and fallbacks; isProviderConfigured/isCircuitOpen for the router;
 * - PROVIDER_REGISTRY (ProviderRegistry): the adapter per provider key;
 * - PROVIDER_ADAPTERS: the registered adapters (TEST_MODE: the simulator for every provider).
 * Needs AppConfig (AppConfigModule, global) and the metrics (TelemetryModule, global).
 */
@Module({
  providers: [
    UpstreamHttpService,
    {
      provide: PROVIDER_ADAPTERS,
      inject: [AppConfig, UpstreamHttpService],
      useFactory: (config: AppConfig, http: UpstreamHttpService): ProviderAdapter[] =>
        createAdapters(config, http),
    },
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
})
export class ProvidersModule {}
