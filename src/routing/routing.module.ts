import { Module } from '@nestjs/common';
import { EMBEDDING_MODELS } from '../caching/caching.types';
import { AppConfig } from '../config/app-config';
import { TelemetryModule } from '../telemetry/telemetry.module';
import { LiteLLMDiscoveryService } from './litellm-discovery.service';
import { ModelCatalog } from './model-catalog';
import { RoutingPolicyService } from './routing-policy';
import { RoutingService } from './routing.service';
import { RoutingThresholdState } from './routing-thresholds';

/**
 * The routing engine. Loads and validates config.routing.modelsFile and routingFile at
 * start-up (a bad file stops the boot with a RoutingConfigError naming file, model and field).
 * Needs AppConfigModule (global) and the metrics (TelemetryModule).
 */
@Module({
  imports: [TelemetryModule],
  providers: [
    {
      provide: ModelCatalog,
      useFactory: (config: AppConfig) => ModelCatalog.load(config.routing.modelsFile),
      inject: [AppConfig],
    },
    {
      provide: RoutingPolicyService,
      useFactory: (config: AppConfig, catalog: ModelCatalog) =>
        RoutingPolicyService.load(config.routing.routingFile, catalog),
      inject: [AppConfig, ModelCatalog],
    },
    RoutingThresholdState,
    RoutingService,
    LiteLLMDiscoveryService,
    // The embedding models, for the semantic cache's embedder (caching sits below routing).
    { provide: EMBEDDING_MODELS, useExisting: ModelCatalog },
  ],
  exports: [
    ModelCatalog,
    RoutingPolicyService,
    RoutingService,
    RoutingThresholdState,
    LiteLLMDiscoveryService,
    EMBEDDING_MODELS,
  ],
})
export class RoutingModule {}
