import { Test, TestingModule } from '@nestjs/testing';
import { getToken } from '@willsoto/nestjs-prometheus';
import { register } from 'prom-client';
import type { Counter, Gauge } from 'prom-client';
import { loadAppConfig } from '../../src/config/app-config';
import { AppConfigModule } from '../../src/config/config.module';
import { PROVIDER_EXECUTOR } from '../../src/providers/provider.types';
import type { ProviderExecutor } from '../../src/providers/provider.types';
import { ProvidersModule } from '../../src/providers/providers.module';
import { METRIC } from '../../src/telemetry/metrics';
import { TelemetryModule } from '../../src/telemetry/telemetry.module';
import { startFakeUpstream, FakeUpstream } from '../support/fake-upstream';

/** The real ProvidersModule (with config and telemetry) against a fresh fake upstream. */
export interface ExecutorHarness {
  fake: FakeUpstream;
  module: TestingModule;
  executor: ProviderExecutor;
  /** Current value of a labelled counter or gauge. */
  metric(name: string, labels: Record<string, string>): Promise<number>;
  close(): Promise<void>;
}

export async function startExecutorHarness(env: Record<string, string> = {}): Promise<ExecutorHarness> {
  const fake = await startFakeUpstream();
  const config = loadAppConfig({
    ...fake.env(),
    PROVIDER_RETRY_BASE_MS: '1',
    PROVIDER_RETRY_MAX_MS: '300',
    PROVIDER_MAX_RETRIES: '2',
    PROVIDER_FIRST_BYTE_TIMEOUT_MS: '2000',
    PROVIDER_TOTAL_TIMEOUT_MS: '5000',
    CIRCUIT_FAILURE_THRESHOLD: '50',
    ...env,
  });
  // Each harness registers the metrics again in prom-client's default registry.
  register.clear();
  const module = await Test.createTestingModule({
    imports: [
      AppConfigModule.forRoot(config),
      TelemetryModule,
      ProvidersModule.register({ simulated: config.testMode }),
    ],
  }).compile();
  await module.init();
  return {
    fake,
    module,
    executor: module.get<ProviderExecutor>(PROVIDER_EXECUTOR),
    metric: async (name, labels) => {
      const metric = module.get<Counter<string> | Gauge<string>>(getToken(name));
      const data = await metric.get();
      const match = data.values.find((v) =>
        Object.entries(labels).every(([k, value]) => v.labels[k] === value),
      );
      return match?.value ?? 0;
    },
    close: async () => {
      await module.close();
      await fake.close();
    },
  };
}

export { METRIC };
