import { Logger, Module, type DynamicModule } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { PROVIDER_EXECUTOR } from '../providers/provider.types';
import type { ProviderExecutor } from '../providers/provider.types';
import { ModelCatalog } from '../routing/model-catalog';
import { RoutingModule } from '../routing/routing.module';
import { TelemetryModule } from '../telemetry/telemetry.module';
import { INTENT_CLASSIFIER } from './intent.types';
import { INTENT_MODEL, IntentService } from './intent.service';
import { INTENT_LLM_FALLBACK, ProviderIntentLlmFallback } from './llm-fallback';
import type { IntentLlmFallback } from './llm-fallback';
import { loadBundledIntentModel } from './model/bundled-model';
import type { LinearIntentModel } from './model/linear-model';

/**
 * The trained model, loaded from the bundle at start-up whenever classification is on: its
 * safety detector and its label head (blended with the heuristic) run in every mode.
 */
export function intentModelFactory(config: AppConfig): LinearIntentModel | null {
  return config.intent.enabled ? loadBundledIntentModel() : null;
}

/**
 * The LLM fallback over the provider executor, targeting config.intent.llmFallbackModel as the
 * catalog resolves it; null when the mode does not use it, in TEST_MODE, or when a collaborator
 * is missing (then a warning says why).
 */
export function intentLlmFallbackFactory(
  config: AppConfig,
  executor?: ProviderExecutor | null,
  catalog?: ModelCatalog | null,
): IntentLlmFallback | null {
  if (!config.intent.enabled || !config.features.llmIntentFallback || config.testMode) return null;
  const logger = new Logger('IntentModule');
  if (!executor || !catalog) {
    logger.warn('LLM intent fallback disabled: no provider executor or model catalog in this application');
    return null;
  }
  const model = config.intent.llmFallbackModel;
  if (!catalog.resolve(model)) {
    logger.warn(
      `LLM intent fallback disabled: INTENT_LLM_FALLBACK_MODEL "${model}" is not in the model catalog`,
    );
    return null;
  }
  return new ProviderIntentLlmFallback(
    executor,
    (id) => {
      const spec = catalog.resolve(id);
      return spec && { provider: spec.provider, model: spec.id, upstreamModel: spec.upstream_id };
    },
    { model },
  );
}

/** The one module instance per provider layer (so every importer shares one classifier). */
const registered = new Map<DynamicModule, DynamicModule>();

/**
 * Intent classification (issue 4). Provides and exports INTENT_CLASSIFIER (IntentService).
 * Reads AppConfig.intent and AppConfig.features.llmIntentFallback; needs
 * AppConfigModule (global), the provider layer the composition registered (passed in:
 * `register({ providers: ProvidersModule.register(...) })`, for the LLM fallback); imports TelemetryModule.
 */
@Module({})
export class IntentModule {
  static register(options: { providers: DynamicModule }): DynamicModule {
    let module = registered.get(options.providers);
    if (!module) {
      module = {
        module: IntentModule,
        imports: [options.providers, RoutingModule, TelemetryModule],
        ...INTENT_MODULE,
      };
      registered.set(options.providers, module);
    }
    return module;
  }
}

const INTENT_MODULE = {
  providers: [
    { provide: INTENT_MODEL, useFactory: intentModelFactory, inject: [AppConfig] },
    {
      provide: INTENT_LLM_FALLBACK,
      useFactory: intentLlmFallbackFactory,
      inject: [AppConfig, PROVIDER_EXECUTOR, ModelCatalog],
    },
    IntentService,
    { provide: INTENT_CLASSIFIER, useExisting: IntentService },
  ],
  exports: [INTENT_CLASSIFIER, IntentService],
};
