import { Module, type Type } from '@nestjs/common';
import { IntentModule } from '../intent/intent.module';
import { ProvidersModule } from '../providers/providers.module';
import { RoutingModule } from '../routing/routing.module';
import { ChatController } from './chat.controller';
import { ModelsController } from './models.controller';
import { CHAT_STEPS, type ChatStep } from './pipeline/chat-call';
import { ChatPipeline } from './pipeline/chat-pipeline';
import { AccountStep } from './pipeline/steps/account.step';
import { CacheLookupStep } from './pipeline/steps/cache-lookup.step';
import { CacheStoreStep } from './pipeline/steps/cache-store.step';
import { ClassifyStep } from './pipeline/steps/classify.step';
import { ExecuteStep } from './pipeline/steps/execute.step';
import { PolicyStep } from './pipeline/steps/policy.step';
import { ReserveStep } from './pipeline/steps/reserve.step';
import { RespondStep } from './pipeline/steps/respond.step';
import { RouteStep } from './pipeline/steps/route.step';
import { UsageAccounting } from './pipeline/usage-accounting';
import { TenantConcurrency } from './tenant-concurrency';

/**
 * The steps of the chat pipeline, in the order they run (docs/architecture.md). Adding a step
 * is one class implementing ChatStep and one line here.
 */
export const CHAT_STEP_ORDER: ReadonlyArray<Type<ChatStep>> = [
  PolicyStep,
  ClassifyStep,
  RouteStep,
  CacheLookupStep,
  ReserveStep,
  ExecuteStep,
  AccountStep,
  CacheStoreStep,
  RespondStep,
];

/**
 * The OpenAI-compatible API. Billing, cache and policy are optional collaborators provided by
 * global modules in the modes that compose them.
 */
@Module({
  imports: [IntentModule, RoutingModule, ProvidersModule],
  controllers: [ChatController, ModelsController],
  providers: [
    ChatPipeline,
    UsageAccounting,
    TenantConcurrency,
    ...CHAT_STEP_ORDER,
    { provide: CHAT_STEPS, inject: [...CHAT_STEP_ORDER], useFactory: (...steps: ChatStep[]) => steps },
  ],
})
export class ChatModule {}
