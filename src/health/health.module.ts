import { Module, type DynamicModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { OperatorAccessModule } from '../auth/operator-access.module';
import { RedisModule } from '../redis/redis.module';
import { TelemetryModule } from '../telemetry/telemetry.module';
import { DependencyMetrics } from './dependency-metrics';
import { HealthController } from './health.controller';

/**
 * /health and /health/ready. Needs the provider layer the composition registered (passed in:
 * `register({ providers: ProvidersModule.register(...) })`: the ready check reads its registry);
 * imports Redis (its ping), the metrics and the operator access (who sees the readiness details).
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
        TelemetryModule,
        OperatorAccessModule,
      ],
      controllers: [HealthController],
      providers: [DependencyMetrics],
    };
  }
}
