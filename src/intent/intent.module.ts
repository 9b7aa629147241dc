import { Logger, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { PROVIDER_EXECUTOR } from '../providers/provider.types';
import type { ProviderExecutor } from '../providers/provider.types';
import { ProvidersModule } from '../providers/providers.module';
import { ModelCatalog } from '../routing/model-catalog';
import { RoutingModule } from '../routing/routing.module';
import { INTENT_CLASSIFIER } from './intent.types';
import { INTENT_MODEL, IntentService } from './intent.service';
import { INTENT_LLM_FALLBACK, ProviderIntentLlmFallback } from './llm-fallback';
import type { IntentLlmFallback } from './llm-fallback';
import { loadBundledIntentModel } from './model/bundled-model';
import type { LinearIntentModel } from './model/linear-model';

/**
 * The trained model, loaded from the bundle at start-up whenever classification is on: its
 * safety detector runs in every mode (labels from it only when config.features.trainedIntentModel).
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

/**
 * Intent classification (issue 4). Provides and exports INTENT_CLASSIFIER (IntentService).
 * Reads AppConfig.intent and AppConfig.features.trainedIntentModel / llmIntentFallback; needs
 * AppConfigModule and TelemetryModule (both global).
 */
@Module({
  imports: [ProvidersModule, RoutingModule],
  providers: [
    { provide: INTENT_MODEL, useFactory: intentModelFactory, inject: [AppConfig] },
    {
      provide: INTENT_LLM_FALLBACK,
      useFactory: intentLlmFallbackFactory,
      inject: [
        AppConfig,
        { token: PROVIDER_EXECUTOR, optional: true },
        { token: ModelCatalog, optional: true },
      ],
    },
    IntentService,
    { provide: INTENT_CLASSIFIER, useExisting: IntentService },
  ],
  exports: [INTENT_CLASSIFIER, IntentService],
})
export class IntentModule {}
