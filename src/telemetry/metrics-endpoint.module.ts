import { Injectable, Module, type DynamicModule, type OnModuleInit, type Type } from '@nestjs/common';
import { collectDefaultMetrics, register } from 'prom-client';
import { MetricsController } from './metrics.controller';

/** prom-client's process metrics (CPU, memory, event loop, GC) in the default registry, once. */
@Injectable()
class ProcessMetrics implements OnModuleInit {
  onModuleInit(): void {
    if (!register.getSingleMetric('process_cpu_user_seconds_total')) collectDefaultMetrics();
  }
}

/**
 * GET /metrics/prometheus (MetricsController): the default registry, with prom-client's process
 * metrics. Who may read it is asked of METRICS_ACCESS, from the module the composition passes in
 * (`register({ access: OperatorAccessModule })`: auth sits above telemetry, which does not import it).
 */
@Module({})
export class MetricsEndpointModule {
  static register(options: { access: Type }): DynamicModule {
    return {
      module: MetricsEndpointModule,
      imports: [options.access],
      controllers: [MetricsController],
      providers: [ProcessMetrics],
    };
  }
}
