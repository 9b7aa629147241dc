import {
  ArgumentsHost,
  Body,
  Catch,
  Controller,
  ExceptionFilter,
  Get,
  HttpCode,
  HttpException,
  Inject,
  INestApplication,
  Post,
  Req,
} from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AdminModule } from '../../../src/admin/admin.module';
import { AuthModule } from '../../../src/auth/auth.module';
import type { GatewayRequestState, Principal } from '../../../src/common/principal';
import { CurrentPrincipal } from '../../../src/auth/principal.decorator';
import { BillingModule } from '../../../src/billing/billing.module';
import {
  BUDGET_ENFORCER,
  USAGE_RECORDER,
  type BudgetEnforcer,
  type UsageRecorder,
} from '../../../src/billing/billing.types';
import { ErrorCode, GatewayError } from '../../../src/common/errors';
import { AppConfig, loadAppConfig } from '../../../src/config/app-config';
import { AppConfigModule } from '../../../src/config/config.module';
import { DatabaseModule } from '../../../src/database/database.module';
import { RedisModule } from '../../../src/redis/redis.module';
import { TelemetryModule } from '../../../src/telemetry/telemetry.module';

/**
 * Test harness for the billing module: the real modules (config, telemetry, database, Redis,
 * auth, billing) plus a stand-in for the chat pipeline that makes the same calls the pipeline
 * makes (reserve → settle/release → record), and a minimal version of the gateway's error filter.
 */

/** Renders GatewayErrors as OpenAI error objects, as the gateway's filter does. */
@Catch()
class TestErrorFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    let error: GatewayError;
    if (exception instanceof GatewayError) error = exception;
    else if (exception instanceof HttpException && exception.getStatus() === 404) {
      error = new GatewayError(ErrorCode.NotFound, 'Unknown request URL.');
    } else if (exception instanceof HttpException && exception.getStatus() === 400) {
      error = new GatewayError(ErrorCode.InvalidJson, 'Invalid JSON body.');
    } else error = new GatewayError(ErrorCode.Internal, (exception as Error).message ?? 'internal error');
    if (error.retryAfter !== undefined) response.setHeader('retry-after', String(error.retryAfter));
    response.status(error.status).json(error.toBody());
  }
}

interface ChargeBody {
  /** The reservation (maximum cost), nano-USD. */
  max_cost_nano: number;
  /** The actual cost to settle, nano-USD. */
  cost_nano: number;
  /** Simulate a provider failure: the reservation is released, nothing is spent. */
  fail?: boolean;
  delay_ms?: number;
  /** Then extend the reservation by this much (BudgetEnforcer.extend), lease only or not. */
  extend_nano?: number;
  lease_only?: boolean;
  /** Settle at the whole reservation (with its extension, if granted) instead of cost_nano. */
  settle_at_reservation?: boolean;
  model?: string;
  intent?: string | null;
}

/** Stands in for the chat pipeline's billing calls. */
@Controller('v1/test')
class FakePipelineController {
  constructor(
    @Inject(BUDGET_ENFORCER) private readonly budgets: BudgetEnforcer,
    @Inject(USAGE_RECORDER) private readonly usage: UsageRecorder,
  ) {}

  @Get('whoami')
  whoami(@CurrentPrincipal() principal: Principal): Principal {
    return principal;
  }

  @Post('charge')
  @HttpCode(200)
  async charge(
    @CurrentPrincipal() principal: Principal,
    @Body() body: ChargeBody,
    @Req() request: Request & Partial<GatewayRequestState>,
  ): Promise<Record<string, unknown>> {
    const requestId = request.id ?? randomUUID();
    const reservation = await this.budgets.reserve(principal, body.max_cost_nano, requestId);
    const extended =
      reservation && body.extend_nano !== undefined
        ? await this.budgets.extend(reservation, body.extend_nano, { leaseOnly: body.lease_only })
        : null;
    if (body.delay_ms) await new Promise((resolve) => setTimeout(resolve, body.delay_ms));
    if (body.fail) {
      if (reservation) this.budgets.release(reservation);
      throw new GatewayError(ErrorCode.ProviderUnavailable, 'simulated upstream failure');
    }
    // As the pipeline does: answered once the settlement and the usage row are written.
    const costNano = body.settle_at_reservation && reservation ? reservation.amountNano : body.cost_nano;
    const settled = reservation ? this.budgets.settle(reservation, costNano) : undefined;
    const recorded = this.usage.record({
      requestId,
      tenantId: principal.tenantId,
      apiKeyId: principal.keyId,
      provider: 'openai',
      model: body.model ?? 'gpt-4o-mini',
      intent: body.intent === undefined ? 'general' : body.intent,
      promptTokens: 100,
      completionTokens: 20,
      cachedTokens: 0,
      costNano,
      savedNano: 0,
      latencyMs: 5,
      status: 200,
      cacheHit: false,
      createdAt: new Date(),
    });
    await Promise.all([settled, recorded]);
    return {
      tenant_id: principal.tenantId,
      key_id: principal.keyId,
      reserved: reservation !== null,
      extended,
      cost_usd: costNano / 1e9,
      budget: this.budgets.status(principal),
    };
  }
}

export interface BillingApp {
  app: INestApplication;
  config: AppConfig;
  dataSource: DataSource;
  server: ReturnType<INestApplication['getHttpServer']>;
  get<T>(token: unknown): T;
  close(): Promise<void>;
}

export const ADMIN_KEY = 'admin-secret-key-0123456789';

/** Boots the billing stack for `env` (strings, as in the environment). */
export async function bootBillingApp(env: Record<string, string>): Promise<BillingApp> {
  const config = loadAppConfig({ LOG_LEVEL: 'error', ...env });
  const moduleRef = await Test.createTestingModule({
    imports: [
      AppConfigModule.forRoot(config),
      TelemetryModule,
      DatabaseModule.forRoot(config),
      RedisModule,
      AuthModule.forRoot({ keyResolver: BillingModule }),
      BillingModule,
      AdminModule,
    ],
    controllers: [FakePipelineController],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: ['error'] });
  app.useGlobalFilters(new TestErrorFilter());
  await app.init();
  return {
    app,
    config,
    dataSource: app.get(DataSource),
    server: app.getHttpServer(),
    get: <T>(token: unknown) => app.get(token as never) as T,
    close: () => app.close(),
  };
}

/** A Redis key prefix of the test's own (removed by `cleanRedis`). */
export function testRedisPrefix(): string {
  return `mmtest:${randomUUID().slice(0, 8)}:`;
}
