import { DynamicModule, Module, Type } from '@nestjs/common';
import { AdminModule } from './admin/admin.module';
import { AuditAdminModule } from './admin/audit-admin.module';
import { CacheAdminModule } from './admin/cache-admin.module';
import { PolicyAdminModule } from './admin/policy-admin.module';
import { RoutingLabAdminModule } from './admin/routing-lab-admin.module';
import { AuthModule } from './auth/auth.module';
import { OperatorAccessModule } from './auth/operator-access.module';
import { BillingModule } from './billing/billing.module';
import { CachingModule } from './caching/caching.module';
import { ChatModule } from './chat/chat.module';
import { DashboardModule } from './dashboard/dashboard.module';
import { GracefulShutdown, InFlightRequests } from './server/graceful-shutdown';
import type { AppConfig } from './config/app-config';
import { AppConfigModule } from './config/config.module';
import { MODE_FEATURES, type Mode, type ModeFeatures } from './config/modes';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { IntentModule } from './intent/intent.module';
import { PolicyModule } from './policy/policy.module';
import { ProvidersModule } from './providers/providers.module';
import { RedisModule } from './redis/redis.module';
import { RoutingModule } from './routing/routing.module';
import { MetricsEndpointModule } from './telemetry/metrics-endpoint.module';
import { TelemetryModule } from './telemetry/telemetry.module';

/**
 * Modes are module compositions, built here and only here. Behaviour that differs inside a
 * module follows config.features (src/config/modes.ts), never the mode's name.
 *
 *   basic      = providers, intent (trained model + heuristics), routing, billing (cost tracking, static keys), tenant policy (+ its admin API), exact response cache (+ its admin purge), admin, health, chat
 *   enhanced   = basic + semantic cache (in the caching module, via features) (+ the LLM intent fallback and safety review, via features)
 *   production = enhanced, with database-issued keys only and Redis-backed shared state
 * Metrics and traces (TelemetryModule: the OTLP exporter when configured) are infrastructure: every mode.
 * The admin dashboard's static files (DashboardModule) are served in every mode unless DASHBOARD_ENABLED=false.
 *
 * Modules import what they use; the chat module imports the cache and policy modules when the
 * mode's features compose them (ChatModule.register), so none of them needs to be global.
 * The provider layer is registered here with its adapter set (TEST_MODE: the simulator for every
 * provider) and passed to the modules that use it.
 */
function featureModules(features: ModeFeatures, simulated: boolean): Array<Type | DynamicModule> {
  const providers = ProvidersModule.register({ simulated });
  return [
    providers,
    IntentModule.register({ providers }),
    RoutingModule,
    BillingModule,
    AdminModule,
    AuditAdminModule,
    HealthModule.register({ providers }),
    ...(features.responseCache
      ? [
          CachingModule.register({ embeddingModels: RoutingModule, providers }),
          CacheAdminModule.register({ providers }),
        ]
      : []),
    PolicyModule,
    PolicyAdminModule,
    RoutingLabAdminModule,
    ChatModule.register(features, { providers }),
  ];
}

/** Infrastructure every mode needs: configuration, metrics, storage, shared state, guards. */
function infrastructure(config: AppConfig): Array<Type | DynamicModule> {
  return [
    AppConfigModule.forRoot(config),
    TelemetryModule,
    MetricsEndpointModule.register({ access: OperatorAccessModule }),
    DatabaseModule.forRoot(config),
    RedisModule,
    AuthModule.forRoot({ keyResolver: BillingModule }),
  ];
}

@Module({})
export class AppModule {
  /** The root module for the configured mode. */
  static forConfig(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ...infrastructure(config),
        ...featureModules(config.features, config.testMode),
        ...(config.dashboardEnabled ? [DashboardModule] : []),
      ],
      providers: [InFlightRequests, GracefulShutdown],
    };
  }
}

/** Module names of a mode, for the start-up log. */
export function moduleNames(mode: Mode): string[] {
  return featureModules(MODE_FEATURES[mode], false).map((module) =>
    ('module' in module ? module.module : module).name.replace(/Module$/, '').toLowerCase(),
  );
}
