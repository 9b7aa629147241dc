import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { BillingModule } from '../billing/billing.module';
import { CachingModule } from '../caching/caching.module';
import { CHAT_CACHE } from '../caching/caching.types';
import type { ModeFeatures } from '../config/modes';
import { PolicyModule } from '../policy/policy.module';
import { IntentModule } from '../intent/intent.module';
import { RoutingModule } from '../routing/routing.module';
import { RoutingLabModule } from '../routing/lab/routing-lab.module';
import { TelemetryModule } from '../telemetry/telemetry.module';
import { ExperimentsModule } from '../routing/experiments/experiments.module';
import { ShadowModule } from '../routing/shadow/shadow.module';
import { ShadowRunner } from '../routing/shadow/shadow-runner';
import { SHADOW_CLASSIFIER } from '../routing/shadow/shadow.types';
import { shadowClassifierFactory } from '../intent/shadow-classifier';
import { AppConfig } from '../config/app-config';
import { EmbeddingsController } from './embeddings.controller';
import { EmbeddingsService } from './embeddings.service';
import { MessagesController } from './anthropic-in/messages.controller';
import { ChatController } from './chat.controller';
import { ModelsController } from './models.controller';
import { CHAT_STEPS, type ChatStep } from './pipeline/chat-call';
import { ChatPipeline } from './pipeline/chat-pipeline';
import { AccountStep } from './pipeline/steps/account.step';
import { CacheLookupStep } from './pipeline/steps/cache-lookup.step';
import { CacheStoreStep } from './pipeline/steps/cache-store.step';
import { ClassifyStep } from './pipeline/steps/classify.step';
import { DecisionLogStep } from './pipeline/steps/decision-log.step';
import { ExecuteStep } from './pipeline/steps/execute.step';
import { ExperimentStep } from './pipeline/steps/experiment.step';
import { PolicyStep } from './pipeline/steps/policy.step';
import { ReserveStep } from './pipeline/steps/reserve.step';
import { RespondStep } from './pipeline/steps/respond.step';
import { RouteStep } from './pipeline/steps/route.step';
import { ShadowStep } from './pipeline/steps/shadow.step';
import { UsageAccounting } from './pipeline/usage-accounting';
import { StreamAllowance } from './pipeline/stream-allowance';
import { TenantConcurrency } from './tenant-concurrency';

/**
 * The steps of the chat pipeline, in the order they run (docs/architecture.md). Adding a step
 * is one class implementing ChatStep and one line here.
 */
export const CHAT_STEP_ORDER: ReadonlyArray<Type<ChatStep>> = [
  PolicyStep,
  ExperimentStep,
  ClassifyStep,
  RouteStep,
  CacheLookupStep,
  ReserveStep,
  ExecuteStep,
  AccountStep,
  DecisionLogStep,
  CacheStoreStep,
  RespondStep,
  ShadowStep,
];

/**
 * The OpenAI-compatible API. It imports what its steps use, the tenant policy included (every
 * mode), and the provider layer the composition registered (`layers.providers`:
 * ProvidersModule.register, the simulator in TEST_MODE); the response cache comes from the
 * mode's features: composed, its module is imported; otherwise a null object stands in
 * (CHAT_CACHE = null) and its steps do not apply.
 */
@Module({})
export class ChatModule {
  static register(
    features: Pick<ModeFeatures, 'responseCache'>,
    layers: { providers: DynamicModule },
  ): DynamicModule {
    const { providers } = layers;
    return {
      module: ChatModule,
      imports: [
        AuditModule,
        IntentModule.register({ providers }),
        RoutingModule,
        RoutingLabModule,
        providers,
        ExperimentsModule,
        ShadowModule,
        BillingModule,
        ...(features.responseCache
          ? [CachingModule.register({ embeddingModels: RoutingModule, providers })]
          : []),
        PolicyModule,
        TelemetryModule,
      ],
      controllers: [ChatController, MessagesController, EmbeddingsController, ModelsController],
      providers: [
        ChatPipeline,
        EmbeddingsService,
        UsageAccounting,
        StreamAllowance,
        TenantConcurrency,
        { provide: SHADOW_CLASSIFIER, useFactory: shadowClassifierFactory, inject: [AppConfig] },
        ShadowRunner,
        ...CHAT_STEP_ORDER,
        { provide: CHAT_STEPS, inject: [...CHAT_STEP_ORDER], useFactory: (...steps: ChatStep[]) => steps },
        ...(features.responseCache ? [] : [{ provide: CHAT_CACHE, useValue: null }]),
      ],
    };
  }
}
