/**
 * What billing adds to every request, measured in-process (no HTTP, no database round trips):
 * key resolution from the cache, the rate-limit guard with in-memory storage, the budget check of
 * a tenant without a budget, status() of a tenant with one, and recording a usage event.
 *
 *   npm run bench:billing                      (in-process costs)
 *   DATABASE_URL=postgres://… npm run bench:billing   (+ a budgeted request on the real Postgres)
 */
import { ExecutionContext } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { Reflector } from '@nestjs/core';
import { ThrottlerStorageService } from '@nestjs/throttler';
import type { DataSource } from 'typeorm';
import type { GatewayRequestState, Principal } from '../src/common/principal';
import { ClientRateLimitGuard } from '../src/auth/client-rate-limit.guard';
import { MemoryThrottlerStorage } from '../src/auth/rate-limit-storage';
import { clientThrottlerOptions } from '../src/auth/rate-limit.options';
import type { UsageEvent } from '../src/billing/billing.types';
import { BudgetEnforcerService } from '../src/billing/budgets/budget-enforcer.service';
import type { BillingEventsService } from '../src/billing/events/billing-events.service';
import { DatabaseApiKeyResolver } from '../src/billing/keys/api-key-resolver.service';
import { ApiKeyHasher, generateApiKey } from '../src/billing/keys/api-key-secret';
import { UsageRecorderService } from '../src/billing/usage/usage-recorder.service';
import { loadAppConfig } from '../src/config/app-config';
import type { AuditRecorder } from '../src/audit/audit.types';
import { detachedCounter, detachedGauge } from '../test/support/detached-metrics';
import { EmbeddedDatabaseHandle, openDataSource } from '../src/database/database.module';

const OPS = 200_000;
const TENANT = '22222222-2222-2222-2222-222222222222';
const BUDGETED = '33333333-3333-3333-3333-333333333333';

async function measure(label: string, op: () => unknown): Promise<void> {
  for (let i = 0; i < 10_000; i++) await op(); // warm up the JIT
  const started = process.hrtime.bigint();
  for (let i = 0; i < OPS; i++) await op();
  const ns = Number(process.hrtime.bigint() - started) / OPS;
  console.log(`${label.padEnd(58)}${(ns / 1000).toFixed(2).padStart(7)} µs`);
}

async function main(): Promise<void> {
  const config = loadAppConfig({
    API_KEY_HASH_SECRET: 'bench-secret-0123456789abcdefghijklmn',
    LOG_LEVEL: 'error',
  });
  const events = { subscribe: () => undefined } as unknown as BillingEventsService;
  const { key } = generateApiKey();
  const digest = new ApiKeyHasher(config.apiKeyHashSecret).digest(key);
  const dataSource = {
    query: async (text: string) => {
      if (text.includes('FROM api_keys k')) {
        return [
          {
            id: '11111111-1111-1111-1111-111111111111',
            key_hash: digest,
            status: 'active',
            expires_at: null,
            tenant_id: TENANT,
            tenant_name: 'acme',
            tenant_status: 'active',
            rate_limit_rpm: null,
          },
        ];
      }
      if (text.includes('FROM budgets b')) {
        return [
          {
            id: 'b1',
            tenant_id: BUDGETED,
            api_key_id: null,
            label: 'budgeted',
            period: 'monthly',
            limit_nano: 1e12,
            soft_limit_ratio: 0.8,
            soft_action: 'downgrade',
            spent_nano: 1e9,
            reserved_nano: 0,
          },
        ];
      }
      return [];
    },
  } as unknown as DataSource;

  const resolver = new DatabaseApiKeyResolver(config, dataSource, events);
  const principal = (await resolver.resolve(key)) as Principal;

  const options = clientThrottlerOptions(config, null);
  // The bench's requests are never refused: nothing reaches the audit trail.
  const NO_AUDIT: AuditRecorder = { record: () => undefined };
  const guard = new ClientRateLimitGuard(
    options,
    new MemoryThrottlerStorage(),
    new Reflector(),
    detachedCounter(),
    NO_AUDIT,
  );
  await guard.onModuleInit();
  // For comparison: the throttler's own in-memory storage (one timestamp per hit in the window).
  const libraryGuard = new ClientRateLimitGuard(
    options,
    new ThrottlerStorageService(),
    new Reflector(),
    detachedCounter(),
    NO_AUDIT,
  );
  await libraryGuard.onModuleInit();
  const unlimited: Principal = { ...principal, rateLimitPerMinute: 1e12 };
  const request = { principal: unlimited, headers: {} } as unknown as GatewayRequestState;
  const response = { header: () => undefined };
  const handler = () => undefined;
  class Controller {}
  const context = {
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => response }),
    getHandler: () => handler,
    getClass: () => Controller,
  } as unknown as ExecutionContext;

  const limited = {
    principal: { ...principal, rateLimitPerMinute: 600 },
    headers: {},
  } as unknown as GatewayRequestState;
  const libraryContext = {
    ...context,
    switchToHttp: () => ({ getRequest: () => limited, getResponse: () => response }),
  } as unknown as ExecutionContext;

  const enforcer = new BudgetEnforcerService(config, dataSource, events, detachedCounter());
  await enforcer.onModuleInit();
  const budgeted: Principal = { ...principal, tenantId: BUDGETED, keyId: null };

  const recorder = new UsageRecorderService(
    loadAppConfig({ USAGE_BUFFER_MAX: '100000000' }),
    { write: async () => undefined, rollUp: async () => 0 },
    detachedGauge(),
    detachedCounter(),
    detachedCounter(),
    detachedCounter(),
  );
  const event: UsageEvent = {
    requestId: 'r',
    tenantId: TENANT,
    apiKeyId: null,
    provider: 'openai',
    model: 'gpt-4o-mini',
    intent: 'code',
    promptTokens: 100,
    completionTokens: 20,
    cachedTokens: 0,
    costNano: 1000,
    savedNano: 0,
    latencyMs: 100,
    status: 200,
    cacheHit: false,
    createdAt: new Date(),
  };

  console.log(`per operation, mean of ${OPS}:`);
  await measure('API key → principal (HMAC + cache hit)', () => resolver.resolve(key));
  await measure('rate-limit guard (fixed window in memory)', () => guard.canActivate(context));
  await measure('budget reserve, tenant without a budget', () => enforcer.reserve(principal, 1_000, 'r'));
  await measure('budget status, tenant with a budget', () => enforcer.status(budgeted));
  await measure('usage record (buffer push)', () => recorder.record(event));
  // Past 600 hits every call is refused (a GatewayError), as a client over its limit would be.
  await measure('  (the throttler library storage, 600 rpm, for comparison)', () =>
    libraryGuard.canActivate(libraryContext).catch(() => false),
  );
  resolver.onModuleDestroy();
  enforcer.onModuleDestroy();
  if (process.env.DATABASE_URL) await budgetedOnPostgres(process.env.DATABASE_URL);
}

/** A request under a budget: one atomic upsert on Postgres (reserve) plus a batched settle. */
async function budgetedOnPostgres(serverUrl: string): Promise<void> {
  const name = `mm_bench_budget_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const config = loadAppConfig({ DATABASE_URL: url.toString(), LOG_LEVEL: 'error' });
  const dataSource = await openDataSource(config, new EmbeddedDatabaseHandle());
  const events = { subscribe: () => undefined } as unknown as BillingEventsService;
  try {
    await dataSource.query(`INSERT INTO tenants (id, name) VALUES ($1, 'budgeted')`, [BUDGETED]);
    await dataSource.query(
      `INSERT INTO budgets (tenant_id, period, limit_nano) VALUES ($1, 'monthly', 1000000000000000)`,
      [BUDGETED],
    );
    const enforcer = new BudgetEnforcerService(config, dataSource, events, detachedCounter());
    await enforcer.onModuleInit();
    const principal: Principal = {
      tenantId: BUDGETED,
      tenantName: 'budgeted',
      keyId: null,
      source: 'static',
      rateLimitPerMinute: 0,
    };
    const one = async () => {
      const reservation = await enforcer.reserve(principal, 1_000_000, 'r');
      if (reservation) enforcer.settle(reservation, 400_000);
    };
    for (let i = 0; i < 500; i++) await one();
    const samples: number[] = [];
    for (let i = 0; i < 5_000; i++) {
      const started = process.hrtime.bigint();
      await one();
      samples.push(Number(process.hrtime.bigint() - started) / 1e3);
    }
    samples.sort((a, b) => a - b);
    const p = (q: number) => samples[Math.floor(q * samples.length)].toFixed(0);
    console.log(`\nbudgeted request on Postgres (reserve = one upsert; settle batched), sequential:`);
    console.log(`  p50 ${p(0.5)} µs, p99 ${p(0.99)} µs`);
    const concurrency = 64;
    const total = 20_000;
    let done = 0;
    const started = Date.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (done < total) {
          done++;
          await one();
        }
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `  ${concurrency} concurrent on ONE budget row: ${Math.round(total / seconds)} reservations/s`,
    );
    await enforcer.flush();
    const [row] = await dataSource.query(`SELECT spent_nano, reserved_nano FROM budget_counters`);
    console.log(
      `  counter after ${total + 5_500} requests: spent ${row.spent_nano}, reserved ${row.reserved_nano}`,
    );
    enforcer.onModuleDestroy();
  } finally {
    await dataSource.destroy();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
