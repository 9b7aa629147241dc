import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnModuleDestroy,
  OnModuleInit,
  Optional,
} from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { DataSource } from 'typeorm';
import type { Principal } from '../../auth/auth.types';
import { ErrorCode, GatewayError } from '../../common/errors';
import { AppConfig } from '../../config/app-config';
import { METRIC } from '../../telemetry/metrics';
import type { BudgetEnforcer, BudgetReservation, BudgetStatus } from '../billing.types';
import { BillingEventsService, type BillingEvent } from '../events/billing-events.service';
import { usdToNano } from '../pricing';
import {
  budgetExceededMessage,
  budgetStatusOf,
  formatUsd,
  scopeOf,
  usedNano,
  type BudgetDefinition,
  type BudgetView,
  type CounterSnapshot,
} from './budget-math';
import { periodEnd, periodStart } from './budget-period';
import { BudgetStore, type CounterDelta, type LoadedBudget } from './budget-store';

/** One budget in memory: its definition, the current period and the last known counter. */
interface BudgetState {
  budget: BudgetDefinition;
  counter: CounterSnapshot;
  /** Cached bounds of the current period, recomputed only when it ends (no Date on the hot path). */
  periodStartMs: number;
  periodEndMs: number;
  /** Period in which the soft-limit alert was last logged. */
  alertedPeriod: number;
}

interface ReservationPart {
  state: BudgetState;
  periodStart: number;
}

/** What reserve() hands out; settle/release accept only these, once. */
class HeldReservation implements BudgetReservation {
  done = false;
  constructor(
    readonly amountNano: number,
    readonly parts: readonly ReservationPart[],
  ) {}
}

/** Settlements are coalesced for this long before one batched UPDATE. */
const SETTLE_FLUSH_DELAY_MS = 5;
const RETRY_BASE_MS = 250;
const RETRY_MAX_MS = 10_000;

/**
 * BUDGET_ENFORCER. Budgets of every tenant and key are held in memory (loaded at start, pushed by
 * BillingEventsService when an admin changes one, refreshed every KEY_CACHE_TTL_MS), so a request
 * with no budget costs one Map lookup and status() never waits. A request under a budget costs
 * one atomic upsert per applicable budget (BudgetStore.reserve; tenant and key budgets in
 * parallel); settle/release are queued and written in batches a few ms later.
 */
@Injectable()
export class BudgetEnforcerService
  implements BudgetEnforcer, OnModuleInit, OnModuleDestroy, BeforeApplicationShutdown
{
  private readonly logger = new Logger('Budgets');
  private readonly store: BudgetStore;
  private readonly refreshMs: number;
  private byTenant = new Map<string, BudgetState>();
  private byKey = new Map<string, BudgetState>();
  private pending = new Map<string, CounterDelta>();
  private flushTimer: NodeJS.Timeout | null = null;
  private refreshTimer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private failures = 0;

  constructor(
    private readonly config: AppConfig,
    dataSource: DataSource,
    private readonly events: BillingEventsService,
    @Optional() @InjectMetric(METRIC.budgetRejections) private readonly rejections?: Counter<string>,
  ) {
    this.store = new BudgetStore(dataSource);
    this.refreshMs = Math.max(1_000, config.keyCacheTtlMs);
  }

  async onModuleInit(): Promise<void> {
    const limit = this.config.billing.budgetLimitUsd;
    await this.store.syncConfigBudget(
      limit === null ? null : usdToNano(limit),
      this.config.billing.budgetPeriod,
    );
    await this.reload();
    this.events.subscribe((event) => this.onEvent(event));
    this.refreshTimer = setInterval(
      () => void this.reload().catch((error: Error) => this.refreshFailed(error)),
      this.refreshMs,
    );
    this.refreshTimer.unref();
  }

  onModuleDestroy(): void {
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    this.refreshTimer = null;
  }

  /** Writes every queued settlement before the database closes. */
  async beforeApplicationShutdown(): Promise<void> {
    for (let attempt = 0; attempt < 5 && (this.pending.size > 0 || this.flushing); attempt++) {
      if (this.flushTimer) clearTimeout(this.flushTimer);
      this.flushTimer = null;
      await this.flush();
    }
    if (this.pending.size > 0)
      this.logger.error(`${this.pending.size} budget settlements could not be written at shutdown`);
  }

  status(principal: Principal): BudgetStatus | null {
    const tenant = this.byTenant.get(principal.tenantId);
    const key = principal.keyId === null ? undefined : this.byKey.get(principal.keyId);
    if (!tenant && !key) return null;
    const now = Date.now();
    const views: BudgetView[] = [];
    if (tenant)
      views.push({ budget: tenant.budget, used: usedNano(tenant.counter, currentPeriod(tenant, now)) });
    if (key) views.push({ budget: key.budget, used: usedNano(key.counter, currentPeriod(key, now)) });
    return budgetStatusOf(views);
  }

  async reserve(
    principal: Principal,
    maxCostNano: number,
    _requestId: string,
  ): Promise<BudgetReservation | null> {
    const tenant = this.byTenant.get(principal.tenantId);
    const key = principal.keyId === null ? undefined : this.byKey.get(principal.keyId);
    if (!tenant && !key) return null;
    const amount = Math.max(0, Math.ceil(maxCostNano));
    const now = Date.now();
    const states = tenant && key ? [tenant, key] : [(tenant ?? key) as BudgetState];
    const outcomes = await Promise.allSettled(
      states.map((state) => this.reserveOne(state, currentPeriod(state, now), amount)),
    );

    const held: ReservationPart[] = [];
    let refusal: GatewayError | null = null;
    let failure: Error | null = null;
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') failure ??= outcome.reason as Error;
      else if (outcome.value instanceof GatewayError) refusal ??= outcome.value;
      else if (outcome.value) held.push(outcome.value);
    }
    if (refusal || failure) {
      // All or nothing: give back what the other budget granted.
      for (const part of held) this.enqueue(part, amount, 0);
      if (refusal) throw refusal;
      // Fail closed: a budget that cannot be checked cannot be guaranteed.
      this.logger.error(`budget reservation failed: ${failure?.message}`);
      throw new GatewayError(
        ErrorCode.ServiceUnavailable,
        'Could not check the budget right now; retry shortly.',
        {
          retryAfter: 1,
          cause: failure,
        },
      );
    }
    if (held.length === 0) return null;
    for (const part of held) this.checkSoftLimit(part.state, now);
    return new HeldReservation(amount, held);
  }

  settle(reservation: BudgetReservation, actualCostNano: number): void {
    if (!(reservation instanceof HeldReservation) || reservation.done) return;
    reservation.done = true;
    const actual = Math.max(0, Math.round(actualCostNano));
    for (const part of reservation.parts) {
      this.enqueue(part, reservation.amountNano, actual);
      this.checkSoftLimit(part.state, Date.now());
    }
  }

  release(reservation: BudgetReservation): void {
    if (!(reservation instanceof HeldReservation) || reservation.done) return;
    reservation.done = true;
    for (const part of reservation.parts) this.enqueue(part, reservation.amountNano, 0);
  }

  /** Settlements not yet written (for tests and the shutdown log). */
  get pendingSettlements(): number {
    return this.pending.size;
  }

  /** Writes queued settlements now. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    this.flushing = this.store
      .applyDeltas([...batch.values()])
      .then(
        () => {
          this.failures = 0;
        },
        (error: Error) => {
          for (const [id, delta] of batch) mergeDelta(this.pending, id, delta);
          this.failures++;
          this.logger.warn(
            `budget settlement write failed (attempt ${this.failures}, will retry): ${error.message}`,
          );
        },
      )
      .finally(() => {
        this.flushing = null;
        if (this.pending.size > 0) this.scheduleFlush();
      });
    await this.flushing;
  }

  /** Reloads every budget (or one tenant's) with its current counter. */
  async reload(tenantId?: string): Promise<void> {
    const loaded = await this.store.load(Date.now(), tenantId);
    const byTenant = tenantId ? new Map(this.byTenant) : new Map<string, BudgetState>();
    const byKey = tenantId ? new Map(this.byKey) : new Map<string, BudgetState>();
    if (tenantId) {
      for (const [id, state] of byTenant) if (state.budget.tenantId === tenantId) byTenant.delete(id);
      for (const [id, state] of byKey) if (state.budget.tenantId === tenantId) byKey.delete(id);
    }
    for (const item of loaded) {
      const state = this.stateOf(item);
      if (item.budget.apiKeyId === null) byTenant.set(item.budget.tenantId, state);
      else byKey.set(item.budget.apiKeyId, state);
    }
    this.byTenant = byTenant;
    this.byKey = byKey;
  }

  private async reserveOne(
    state: BudgetState,
    start: number,
    amount: number,
  ): Promise<ReservationPart | GatewayError | null> {
    const counter = await this.store.reserve(state.budget.id, start, amount);
    if (counter) {
      state.counter = counter;
      return { state, periodStart: start };
    }
    const current = await this.store.counter(state.budget.id, start);
    if (!current) {
      // Deleted meanwhile: no budget applies any more.
      void this.reload(state.budget.tenantId).catch((error: Error) => this.refreshFailed(error));
      return null;
    }
    state.counter = { periodStart: start, spentNano: current.spentNano, reservedNano: current.reservedNano };
    const budget = { ...state.budget, limitNano: current.limitNano };
    this.rejections?.inc({ scope: scopeOf(budget) });
    return new GatewayError(
      ErrorCode.BudgetExceeded,
      budgetExceededMessage(budget, current.spentNano, current.reservedNano, amount),
    );
  }

  private enqueue(part: ReservationPart, reservedNano: number, spentNano: number): void {
    const counter = part.state.counter;
    if (counter.periodStart === part.periodStart) {
      counter.reservedNano = Math.max(0, counter.reservedNano - reservedNano);
      counter.spentNano += spentNano;
    }
    const id = `${part.state.budget.id}|${part.periodStart}`;
    mergeDelta(this.pending, id, {
      budgetId: part.state.budget.id,
      periodStart: part.periodStart,
      releasedNano: reservedNano,
      spentNano,
    });
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushTimer || this.flushing) return;
    const delay =
      this.failures === 0
        ? SETTLE_FLUSH_DELAY_MS
        : Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (this.failures - 1));
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      void this.flush();
    }, delay);
    this.flushTimer.unref();
  }

  private checkSoftLimit(state: BudgetState, now: number): void {
    const start = currentPeriod(state, now);
    const used = usedNano(state.counter, start);
    const budget = state.budget;
    if (state.alertedPeriod === start || used < budget.limitNano * budget.softLimitRatio) return;
    state.alertedPeriod = start;
    const which = budget.apiKeyId === null ? `tenant "${budget.label}"` : `API key "${budget.label}"`;
    this.logger.warn(
      `soft limit reached: ${which} has used ${formatUsd(used)} of its ${budget.period} budget of ` +
        `${formatUsd(budget.limitNano)} (soft limit ${Math.round(budget.softLimitRatio * 100)} %, action ${budget.softAction})`,
    );
  }

  private onEvent(event: BillingEvent): void {
    if (event.type === 'budget')
      void this.reload(event.tenantId).catch((error: Error) => this.refreshFailed(error));
    else if (event.type === 'resync') void this.reload().catch((error: Error) => this.refreshFailed(error));
  }

  private refreshFailed(error: Error): void {
    this.logger.warn(`budget refresh failed (keeping the last known budgets): ${error.message}`);
  }

  private stateOf(item: LoadedBudget): BudgetState {
    const previous =
      item.budget.apiKeyId === null
        ? this.byTenant.get(item.budget.tenantId)
        : this.byKey.get(item.budget.apiKeyId);
    const start = item.counter.periodStart;
    return {
      budget: item.budget,
      counter: item.counter,
      periodStartMs: start,
      periodEndMs: periodEnd(item.budget.period, start) ?? Infinity,
      alertedPeriod: previous?.budget.id === item.budget.id ? previous.alertedPeriod : -1,
    };
  }
}

/** The start of the state's current period; recomputed only when the cached one has ended. */
function currentPeriod(state: BudgetState, now: number): number {
  if (now >= state.periodEndMs || now < state.periodStartMs) {
    state.periodStartMs = periodStart(state.budget.period, now);
    state.periodEndMs = periodEnd(state.budget.period, state.periodStartMs) ?? Infinity;
  }
  return state.periodStartMs;
}

function mergeDelta(target: Map<string, CounterDelta>, id: string, delta: CounterDelta): void {
  const existing = target.get(id);
  if (!existing) target.set(id, { ...delta });
  else {
    existing.releasedNano += delta.releasedNano;
    existing.spentNano += delta.spentNano;
  }
}
