import { DynamicModule, Module, Type } from '@nestjs/common';
import { AuthModule } from './auth/auth.module';
import { BillingModule } from './billing/billing.module';
import { CachingModule } from './caching/caching.module';
import { ChatModule } from './chat/chat.module';
import { GracefulShutdown, InFlightRequests } from './common/graceful-shutdown';
import type { AppConfig } from './config/app-config';
import { AppConfigModule } from './config/config.module';
import type { Mode } from './config/modes';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { IntentModule } from './intent/intent.module';
import { PolicyModule } from './policy/policy.module';
import { ProvidersModule } from './providers/providers.module';
import { RedisModule } from './redis/redis.module';
import { RoutingModule } from './routing/routing.module';
import { TelemetryModule } from './telemetry/telemetry.module';
import { TracingModule } from './telemetry/tracing.module';

/**
 * Modes are module compositions, built here and only here. Behaviour that differs inside a
 * module follows config.features (src/config/modes.ts), never the mode's name.
 *
 *   basic      = providers, intent (heuristics), routing, billing (cost tracking, static keys), exact response cache, health, metrics
 *   enhanced   = basic + semantic cache (+ the trained intent model and LLM fallback, via features)
 *   production = enhanced + policy + tracing (database-issued keys only, Redis-backed shared state)
 */
const BASIC_MODULES: Type[] = [
  ProvidersModule,
  IntentModule,
  RoutingModule,
  BillingModule,
  HealthModule,
  CachingModule,
  ChatModule,
];
// The semantic cache (in CachingModule) follows config.features.semanticCache.
const ENHANCED_MODULES: Type[] = [...BASIC_MODULES];
const PRODUCTION_MODULES: Type[] = [...ENHANCED_MODULES, PolicyModule, TracingModule];

export const MODULE_SETS: Record<Mode, readonly Type[]> = {
  basic: BASIC_MODULES,
  enhanced: ENHANCED_MODULES,
  production: PRODUCTION_MODULES,
};

/** Infrastructure every mode needs: configuration, metrics, storage, shared state, guards. */
function infrastructure(config: AppConfig): Array<Type | DynamicModule> {
  return [
    AppConfigModule.forRoot(config),
    TelemetryModule,
    DatabaseModule.forRoot(config),
    RedisModule,
    AuthModule,
  ];
}

@Module({})
export class AppModule {
  /** The root module for the configured mode. */
  static forConfig(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [...infrastructure(config), ...MODULE_SETS[config.mode]],
      providers: [InFlightRequests, GracefulShutdown],
    };
  }
}

/** Module names of a mode, for the start-up log. */
export function moduleNames(mode: Mode): string[] {
  return MODULE_SETS[mode].map((module) => module.name.replace(/Module$/, '').toLowerCase());
}
