import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ProvidersModule } from '../providers/providers.module';
import { RedisModule } from '../redis/redis.module';
import { DependencyMetrics } from './dependency-metrics';
import { HealthController } from './health.controller';

@Module({
  imports: [
    TerminusModule.forRoot({ errorLogStyle: 'json', gracefulShutdownTimeoutMs: 0 }),
    ProvidersModule,
    RedisModule,
  ],
  controllers: [HealthController],
  providers: [DependencyMetrics],
})
export class HealthModule {}
