import { Module, type DynamicModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { RedisModule } from '../redis/redis.module';
import { DependencyMetrics } from './dependency-metrics';
import { HealthController } from './health.controller';

/**
 * /health and /health/ready. Needs the provider layer the composition registered (passed in:
 * `register({ providers: ProvidersModule.register(...) })`: the ready check reads its registry).
 */
@Module({})
export class HealthModule {
  static register(options: { providers: DynamicModule }): DynamicModule {
    return {
      module: HealthModule,
      imports: [
        TerminusModule.forRoot({ errorLogStyle: 'json', gracefulShutdownTimeoutMs: 0 }),
        options.providers,
        RedisModule,
      ],
      controllers: [HealthController],
      providers: [DependencyMetrics],
    };
  }
}
