import { Module } from '@nestjs/common';
import { IntentModule } from '../intent/intent.module';
import { ProvidersModule } from '../providers/providers.module';
import { RoutingModule } from '../routing/routing.module';
import { EmbeddingsController } from './embeddings.controller';
import { EmbeddingsService } from './embeddings.service';
import { ChatController } from './chat.controller';
import { ChatService } from './chat.service';
import { ModelsController } from './models.controller';
import { TenantConcurrency } from './tenant-concurrency';

/**
 * The OpenAI-compatible API (chat completions, embeddings, models). Billing, cache and policy are optional collaborators provided by
 * global modules in the modes that compose them.
 */
@Module({
  imports: [IntentModule, RoutingModule, ProvidersModule],
  controllers: [ChatController, EmbeddingsController, ModelsController],
  providers: [ChatService, EmbeddingsService, TenantConcurrency],
})
export class ChatModule {}
