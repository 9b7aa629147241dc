import { BeforeApplicationShutdown, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { randomUUID } from 'node:crypto';
import type { Counter } from 'prom-client';
import { DataSource } from 'typeorm';
import type { Principal } from '../../common/principal';
import { ErrorCode, GatewayError } from '../../common/errors';
import { AppConfig } from '../../config/app-config';
import { METRIC } from '../../telemetry/metrics';
import type { BudgetEnforcer, BudgetReservation, BudgetStatus } from '../billing.types';
import { BillingEventsService, type BillingEvent } from '../events/billing-events.service';
import { usdToNano } from '../../common/pricing';
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
import { BudgetStore, type BudgetHolder, type CounterDelta, type LoadedBudget } from './budget-store';
import { releaseWaiters, WriteWaiters } from '../write-waiters';

/** One budget in memory: its definition, the current period and the last known counter. */
interface BudgetState {
  budget: BudgetDefinition;
  counter: CounterSnapshot;
  /** Cached bounds of the current period, recomputed only when it ends (no Date on the hot path). */
  periodStartMs: number;
  periodEndMs: number;
  /** Period in which the soft-limit alert was last logged. */
  alertedPeriod: number;
  /** Budget this replica holds reserved in the database, not yet handed to a request. */
  lease: Lease;
}

/**
 * A block of a budget reserved in the database by this replica (part of the counter's
 * reserved_nano) and handed out to requests from memory, so that a budget far from its limit
 * costs one database round trip per block instead of one per request. The hard limit still
 * holds: every block was reserved with the same conditional upsert as a single request.
 */
interface Lease {
  periodStart: number;
  availableNano: number;
  /** The database reservation in flight that will grow the block (shared by waiters). */
  growing: Promise<void> | null;
  lastUsedMs: number;
}

interface ReservationPart {
  state: BudgetState;
  periodStart: number;
  /** Taken from the replica's lease (settlement turns it into spend; the rest goes back to the lease). */
  leased: boolean;
}

/** One amount reserved against every budget that applies (the first, then each extension). */
interface HeldSegment {
  amountNano: number;
  parts: readonly ReservationPart[];
}

/** What reserve() hands out (extend() grows it); settle/release accept only these, once. */
class HeldReservation implements BudgetReservation {
  done = false;
  readonly segments: HeldSegment[];
  constructor(amountNano: number, parts: readonly ReservationPart[]) {
    this.segments = [{ amountNano, parts }];
  }

  get amountNano(): number {
    let total = 0;
    for (const segment of this.segments) total += segment.amountNano;
    return total;
  }
}

/** A tenant budget as the metrics see it. */
export interface TenantBudgetView {
  tenantId: string;
  tenantName: string;
  /** What is left of the limit in the current period, 0–1. */
  remainingRatio: number;
}

/** Settlements are coalesced for this long before one batched UPDATE. */
const SETTLE_FLUSH_DELAY_MS = 5;
/** A lease block holds this many reservations of the size that asked for it … */
const LEASE_REQUESTS = 16;
/** … but never more than this share of what is left of the budget (so that replicas share it). */
const LEASE_MAX_SHARE = 0.1;
/** A lease unused for this long goes back to the budget (other replicas may need it). */
const LEASE_IDLE_MS = 5_000;
const RETRY_BASE_MS = 250;
const RETRY_MAX_MS = 10_000;

/**
 * BUDGET_ENFORCER. Budgets of every tenant and key are held in memory (loaded at start, pushed by
 * BillingEventsService when an admin changes one, refreshed every KEY_CACHE_TTL_MS), so a request
 * with no budget costs one Map lookup and status() never waits. A request under a budget is
 * served from the replica's lease of that budget (see Lease) when it fits, with no database
 * round trip; the lease grows by one atomic upsert (BudgetStore.reserve) per block. Close to the
 * limit, where a block would exceed its share of what is left, each request reserves exactly its
 * own worst case with that upsert, so the last requests are admitted or refused exactly.
 * Settle/release are queued and written in batches a few ms later.
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
  /** A flush on the next turn of the event loop (a request is waiting for it). */
  private flushSoon: NodeJS.Immediate | null = null;
  private refreshTimer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private failures = 0;
  /** Settlements waiting until their batch is written (USAGE_DURABLE_ACK). */
  private readonly waiters: WriteWaiters;
  private readonly counts = { leased: 0, exact: 0, blocks: 0, reclaimedNano: 0 };
  /** This replica in the reservation ledger (budget_holds). */
  readonly holder: BudgetHolder;
  private ledgerTimer: NodeJS.Timeout | null = null;
  /** When this replica last extended its holds; leases are served only while that is recent. */
  private lastHeartbeatMs = Date.now();

  constructor(
    private readonly config: AppConfig,
    dataSource: DataSource,
    private readonly events: BillingEventsService,
    @InjectMetric(METRIC.budgetRejections) private readonly rejections: Counter<string>,
  ) {
    this.holder = { id: randomUUID(), ttlMs: config.billing.budgetHoldTtlMs };
    this.store = new BudgetStore(dataSource, this.holder, config.databasePreparedStatements);
    this.refreshMs = Math.max(1_000, config.keyCacheTtlMs);
    this.waiters = new WriteWaiters(config.billing.usageAckTimeoutMs);
  }

  async onModuleInit(): Promise<void> {
    const limit = this.config.billing.budgetLimitUsd;
    await this.store.syncConfigBudget(
      limit === null ? null : usdToNano(limit),
      this.config.billing.budgetPeriod,
    );
    await this.reload();
    // Reservations stranded by replicas that died (before this one started) go back now.
    await this.maintainLedger();
    this.ledgerTimer = setInterval(() => void this.maintainLedger(), ledgerIntervalMs(this.holder.ttlMs));
    this.ledgerTimer.unref();
    this.events.subscribe((event) => this.onEvent(event));
    this.refreshTimer = setInterval(() => {
      this.returnIdleLeases(Date.now());
      void this.reload().catch((error: Error) => this.refreshFailed(error));
    }, this.refreshMs);
    this.refreshTimer.unref();
  }

  onModuleDestroy(): void {
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    if (this.ledgerTimer) clearInterval(this.ledgerTimer);
    this.refreshTimer = null;
    this.ledgerTimer = null;
  }

  /** Writes every queued settlement before the database closes. */
  async beforeApplicationShutdown(): Promise<void> {
    this.releaseLeases();
    for (let attempt = 0; attempt < 5 && (this.pending.size > 0 || this.flushing); attempt++) {
      this.cancelScheduledFlush();
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
    if (tenant) views.push({ budget: tenant.budget, used: usedOf(tenant, currentPeriod(tenant, now)) });
    if (key) views.push({ budget: key.budget, used: usedOf(key, currentPeriod(key, now)) });
    return budgetStatusOf(views);
  }

  /**
   * Every tenant budget's remaining fraction (0–1) in its current period, from what this replica
   * knows (the last counter a reservation or the periodic refresh returned): no database call.
   */
  tenantBudgets(now = Date.now()): TenantBudgetView[] {
    const views: TenantBudgetView[] = [];
    for (const [tenantId, state] of this.byTenant) {
      const used = usedOf(state, currentPeriod(state, now));
      const limit = state.budget.limitNano;
      const remainingRatio = limit <= 0 ? 0 : Math.max(0, Math.min(1, 1 - used / limit));
      views.push({ tenantId, tenantName: state.budget.label, remainingRatio });
    }
    return views;
  }

  async reserve(
    principal: Principal,
    maxCostNano: number,
    _requestId: string,
  ): Promise<BudgetReservation | null> {
    const tenant = this.byTenant.get(principal.tenantId);
    const key = principal.keyId === null ? undefined : this.byKey.get(principal.keyId);
    if (!tenant && !key) return null;
    if (!Number.isFinite(maxCostNano) || maxCostNano < 0) {
      // A bug upstream of here; never let it reach the lease arithmetic (NaN < x is false).
      this.logger.error(`refusing a reservation of ${maxCostNano} nano-USD (not a finite amount)`);
      throw new GatewayError(ErrorCode.ServiceUnavailable, 'Could not price this request; retry shortly.', {
        retryAfter: 1,
      });
    }
    const amount = Math.ceil(maxCostNano);
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

  settle(reservation: BudgetReservation, actualCostNano: number): Promise<void> {
    if (!(reservation instanceof HeldReservation) || reservation.done) return Promise.resolve();
    reservation.done = true;
    let actual = Math.round(actualCostNano);
    if (!Number.isFinite(actual) || actual < 0) {
      // Fail safe: an unknown cost is charged as the worst case that was reserved for it.
      this.logger.error(
        `settling a cost of ${actualCostNano} nano-USD (not a finite amount) at the reservation instead`,
      );
      actual = reservation.amountNano;
    }
    // The spend fills the segments in order; a cost above them all is charged on the last.
    let left = actual;
    reservation.segments.forEach((segment, index) => {
      const last = index === reservation.segments.length - 1;
      const spent = last ? left : Math.min(left, segment.amountNano);
      left -= spent;
      for (const part of segment.parts) this.enqueue(part, segment.amountNano, spent);
    });
    for (const part of reservation.segments[0].parts) this.checkSoftLimit(part.state, Date.now());
    return this.written();
  }

  /**
   * Resolves once what is queued now is written (USAGE_DURABLE_ACK): at once when durability is
   * off, nothing is queued (a settlement within a lease block that spent nothing), or writes are
   * failing (the deltas then wait for the retries).
   */
  private written(): Promise<void> {
    if (!this.config.billing.usageDurableAck || this.failures > 0 || this.pending.size === 0)
      return Promise.resolve();
    return this.waiters.wait();
  }

  release(reservation: BudgetReservation): void {
    if (!(reservation instanceof HeldReservation) || reservation.done) return;
    reservation.done = true;
    for (const segment of reservation.segments)
      for (const part of segment.parts) this.enqueue(part, segment.amountNano, 0);
  }

  /**
   * Grows a reservation by `extraNano` against the same budgets, all or nothing. `leaseOnly`:
   * only from this replica's lease blocks (granted only while a block is a small share of what
   * is left, so far from the limit; never a refusal that another request would have fitted in).
   * Resolves false when the budgets cannot cover it; never throws.
   */
  async extend(
    reservation: BudgetReservation,
    extraNano: number,
    options: { leaseOnly?: boolean } = {},
  ): Promise<boolean> {
    if (!(reservation instanceof HeldReservation) || reservation.done) return false;
    const amount = Math.ceil(extraNano);
    if (!isNanoAmount(amount)) return false;
    if (amount === 0) return true;
    const now = Date.now();
    const states = reservation.segments[0].parts.map((part) => part.state);
    const outcomes = await Promise.allSettled(
      states.map((state) => this.extendOne(state, currentPeriod(state, now), amount, options.leaseOnly)),
    );
    const held: ReservationPart[] = [];
    for (const outcome of outcomes)
      if (outcome.status === 'fulfilled' && outcome.value) held.push(outcome.value);
    if (held.length < states.length || reservation.done) {
      // All or nothing (and nothing for a reservation settled meanwhile).
      for (const part of held) this.enqueue(part, amount, 0);
      return false;
    }
    reservation.segments.push({ amountNano: amount, parts: held });
    return true;
  }

  charge(principal: Principal, costNano: number): void {
    const cost = Math.round(costNano);
    if (!isNanoAmount(cost) || cost === 0) return;
    const now = Date.now();
    const tenant = this.byTenant.get(principal.tenantId);
    const key = principal.keyId === null ? undefined : this.byKey.get(principal.keyId);
    for (const state of [tenant, key]) {
      if (!state) continue;
      this.enqueueDelta(state, currentPeriod(state, now), 0, cost);
      this.checkSoftLimit(state, now);
    }
  }

  /**
   * Reservations served from a lease, reserved exactly in the database, and lease blocks
   * reserved: how many database round trips the budgets cost (tests, the bench).
   */
  stats(): { leased: number; exact: number; blocks: number; reclaimedNano: number } {
    return { ...this.counts };
  }

  /**
   * The ledger's upkeep (every quarter of BUDGET_HOLD_TTL_MS, and at start-up): extend this
   * replica's holds, then give back the expired holds of replicas that died. A replica that could
   * not extend its holds for longer than the TTL may have had them reclaimed: it gives its leases
   * back (the ledger caps each release at what is still held) and reserves afresh.
   */
  async maintainLedger(): Promise<void> {
    try {
      await this.store.heartbeat();
      const now = Date.now();
      if (now - this.lastHeartbeatMs > this.holder.ttlMs) this.releaseLeases();
      this.lastHeartbeatMs = now;
    } catch (error) {
      this.logger.warn(`could not extend this replica's budget holds: ${(error as Error).message}`);
    }
    try {
      const reclaimed = await this.store.reclaimExpired();
      if (reclaimed > 0) {
        this.counts.reclaimedNano += reclaimed;
        this.logger.warn(
          `gave back ${formatUsd(reclaimed)} of budget reservations held by replicas that stopped`,
        );
        void this.reload().catch((error: Error) => this.refreshFailed(error));
      }
    } catch (error) {
      this.logger.warn(`could not reclaim expired budget holds: ${(error as Error).message}`);
    }
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
    const waiters = this.waiters.take();
    this.pending = new Map();
    this.flushing = this.store
      .applyDeltas([...batch.values()])
      .then(
        () => {
          this.failures = 0;
          releaseWaiters(waiters);
        },
        (error: Error) => {
          this.waiters.putBack(waiters);
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
    const lease = this.leaseFor(state, start);
    const now = Date.now();
    if (this.takeFromLease(state, lease, amount, now)) return { state, periodStart: start, leased: true };
    await this.growLease(state, lease, amount);
    if (this.takeFromLease(state, lease, amount, now)) return { state, periodStart: start, leased: true };
    // Close to the limit (or the block was refused): reserve exactly this request's worst case.
    const counter = await this.store.reserve(state.budget.id, start, amount);
    if (counter) {
      state.counter = counter;
      this.counts.exact++;
      return { state, periodStart: start, leased: false };
    }
    // Refused: this replica's own block (grown or given back meanwhile) may still hold it.
    if (lease.growing) await lease.growing;
    if (this.takeFromLease(state, lease, amount, Date.now()))
      return { state, periodStart: start, leased: true };
    const current = await this.store.counter(state.budget.id, start);
    if (!current) {
      // Deleted meanwhile: no budget applies any more.
      void this.reload(state.budget.tenantId).catch((error: Error) => this.refreshFailed(error));
      return null;
    }
    state.counter = { periodStart: start, spentNano: current.spentNano, reservedNano: current.reservedNano };
    const budget = { ...state.budget, limitNano: current.limitNano };
    this.rejections.inc({ scope: scopeOf(budget) });
    return new GatewayError(
      ErrorCode.BudgetExceeded,
      budgetExceededMessage(budget, current.spentNano, current.reservedNano, amount),
    );
  }

  /** One budget's part of an extension: from the lease, else (unless leaseOnly) exactly. */
  private async extendOne(
    state: BudgetState,
    start: number,
    amount: number,
    leaseOnly = false,
  ): Promise<ReservationPart | null> {
    const lease = this.leaseFor(state, start);
    // Ample room only: a block of this size would still be granted (a small share of what is left).
    if (leaseOnly && this.blockSize(state, amount) < amount * 2) return null;
    if (this.takeFromLease(state, lease, amount, Date.now()))
      return { state, periodStart: start, leased: true };
    await this.growLease(state, lease, amount);
    if (this.takeFromLease(state, lease, amount, Date.now()))
      return { state, periodStart: start, leased: true };
    if (leaseOnly) return null;
    const counter = await this.store.reserve(state.budget.id, start, amount);
    if (!counter) return null;
    state.counter = counter;
    this.counts.exact++;
    return { state, periodStart: start, leased: false };
  }

  /** Gives back a reservation of `reservedNano`, of which `spentNano` was actually spent. */
  private enqueue(part: ReservationPart, reservedNano: number, spentNano: number): void {
    if (!part.leased) return this.enqueueDelta(part.state, part.periodStart, reservedNano, spentNano);
    // Leased: the spend comes out of the block in the database (reserved → spent); the rest of
    // the reservation goes back to the block in memory, still reserved. A cost above the
    // reservation (a fallback to a pricier model) is charged on top, as for an exact reservation.
    const fromBlock = Math.min(spentNano, reservedNano);
    const lease = part.state.lease;
    if (lease.periodStart === part.periodStart) lease.availableNano += reservedNano - fromBlock;
    else this.enqueueDelta(part.state, part.periodStart, reservedNano - fromBlock, 0);
    this.enqueueDelta(part.state, part.periodStart, fromBlock, spentNano);
  }

  private enqueueDelta(state: BudgetState, start: number, releasedNano: number, spentNano: number): void {
    if (!isNanoAmount(releasedNano) || !isNanoAmount(spentNano)) {
      // Never reachable through settle/release (they validate); a delta that cannot be written
      // must not sit in the batch and block every other budget's settlement.
      this.logger.error(`dropped an invalid budget delta (released ${releasedNano}, spent ${spentNano})`);
      return;
    }
    if (releasedNano === 0 && spentNano === 0) return;
    const counter = state.counter;
    if (counter.periodStart === start) {
      counter.reservedNano = Math.max(0, counter.reservedNano - releasedNano);
      counter.spentNano += spentNano;
    }
    mergeDelta(this.pending, `${state.budget.id}|${start}`, {
      budgetId: state.budget.id,
      periodStart: start,
      releasedNano,
      spentNano,
    });
    this.scheduleFlush();
  }

  /* ------------------------------------------------------------------ leases */

  /** The state's lease for the period `start`, giving back a previous period's block. */
  private leaseFor(state: BudgetState, start: number): Lease {
    const lease = state.lease;
    if (lease.periodStart !== start) {
      this.returnLease(state);
      lease.periodStart = start;
    }
    return lease;
  }

  /** Takes `amount` from the lease when it holds enough; keeps a block ahead of demand. */
  private takeFromLease(state: BudgetState, lease: Lease, amount: number, now: number): boolean {
    if (!(lease.availableNano >= amount) || !this.ledgerFresh(now)) return false;
    lease.availableNano -= amount;
    this.counts.leased++;
    lease.lastUsedMs = now;
    // Prefetch: grow in the background before the next request of this size would have to wait.
    if (lease.availableNano < amount && !lease.growing) void this.growLease(state, lease, amount);
    return true;
  }

  /**
   * Reserves one more block in the database for this replica. Resolves when done (waiters share
   * it); a block that does not fit any more is simply not granted (requests then reserve exactly).
   */
  private growLease(state: BudgetState, lease: Lease, amount: number): Promise<void> {
    if (lease.growing) return lease.growing;
    if (!this.ledgerFresh(Date.now())) return Promise.resolve();
    const block = this.blockSize(state, amount);
    if (block < amount * 2) return Promise.resolve();
    const start = lease.periodStart;
    lease.growing = this.store
      .reserve(state.budget.id, start, block)
      .then(
        (counter) => {
          if (!counter) return;
          this.counts.blocks++;
          if (lease.periodStart === start) {
            state.counter = counter;
            lease.availableNano += block;
          } else {
            // The period ended while the block was being reserved: give it straight back.
            this.enqueueDelta(state, start, block, 0);
          }
        },
        (error: Error) =>
          this.logger.warn(`budget lease not granted (requests reserve exactly): ${error.message}`),
      )
      .finally(() => {
        lease.growing = null;
      });
    return lease.growing;
  }

  /** LEASE_REQUESTS reservations of this size, at most LEASE_MAX_SHARE of what is left. */
  private blockSize(state: BudgetState, amount: number): number {
    const counter = state.counter;
    const left =
      state.budget.limitNano -
      (counter.periodStart === state.lease.periodStart ? counter.spentNano + counter.reservedNano : 0);
    return Math.min(amount * LEASE_REQUESTS, Math.floor(Math.max(0, left) * LEASE_MAX_SHARE));
  }

  /** Whether this replica's holds are surely still in the ledger (extended recently enough). */
  private ledgerFresh(now: number): boolean {
    return now - this.lastHeartbeatMs < this.holder.ttlMs / 2;
  }

  /** Gives the unused block back to the budget (queued with the settlements). */
  private returnLease(state: BudgetState): void {
    const lease = state.lease;
    if (lease.availableNano > 0) this.enqueueDelta(state, lease.periodStart, lease.availableNano, 0);
    lease.availableNano = 0;
  }

  /** Returns every lease now (shutdown; tests; an admin change to a tenant's budgets). */
  releaseLeases(tenantId?: string): void {
    for (const state of [...this.byTenant.values(), ...this.byKey.values()]) {
      if (tenantId === undefined || state.budget.tenantId === tenantId) this.returnLease(state);
    }
  }

  private returnIdleLeases(now: number): void {
    for (const state of [...this.byTenant.values(), ...this.byKey.values()]) {
      if (state.lease.availableNano > 0 && now - state.lease.lastUsedMs > LEASE_IDLE_MS)
        this.returnLease(state);
    }
  }

  private scheduleFlush(): void {
    if (this.flushTimer || this.flushSoon || this.flushing) return;
    if (this.failures === 0 && this.config.billing.usageDurableAck) {
      // A request is waiting for this write: batch what arrives in this turn only (setImmediate,
      // not setTimeout(0), which waits at least 1 ms).
      this.flushSoon = setImmediate(() => {
        this.flushSoon = null;
        void this.flush();
      });
      return;
    }
    const run = () => {
      this.flushTimer = null;
      void this.flush();
    };
    const delay =
      this.failures === 0
        ? SETTLE_FLUSH_DELAY_MS
        : Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (this.failures - 1));
    this.flushTimer = setTimeout(run, delay);
    this.flushTimer.unref();
  }

  private cancelScheduledFlush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    if (this.flushSoon) clearImmediate(this.flushSoon);
    this.flushTimer = null;
    this.flushSoon = null;
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

  /** Resolves when the change is applied here (publish() waits for it on the replica that made it). */
  private onEvent(event: BillingEvent): Promise<void> | undefined {
    if (event.type === 'budget') {
      // A changed limit must not be outrun by blocks reserved under the old one.
      this.releaseLeases(event.tenantId);
      return this.reload(event.tenantId).catch((error: Error) => this.refreshFailed(error));
    }
    if (event.type === 'resync') return this.reload().catch((error: Error) => this.refreshFailed(error));
    return undefined;
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
    const same = previous?.budget.id === item.budget.id;
    return {
      budget: item.budget,
      counter: item.counter,
      periodStartMs: start,
      periodEndMs: periodEnd(item.budget.period, start) ?? Infinity,
      alertedPeriod: same ? previous.alertedPeriod : -1,
      lease: same ? previous.lease : { periodStart: start, availableNano: 0, growing: null, lastUsedMs: 0 },
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

/** What is used of the budget: the counter, less this replica's own unassigned lease. */
function usedOf(state: BudgetState, start: number): number {
  const own = state.lease.periodStart === start ? state.lease.availableNano : 0;
  return Math.max(0, usedNano(state.counter, start) - own);
}

/** A delta amount the ledger can store: a non-negative safe integer of nano-USD. */
function isNanoAmount(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

/** The ledger upkeep runs four times per hold TTL (so a hold is extended well before it expires). */
function ledgerIntervalMs(ttlMs: number): number {
  return Math.max(100, Math.floor(ttlMs / 4));
}

function mergeDelta(target: Map<string, CounterDelta>, id: string, delta: CounterDelta): void {
  const existing = target.get(id);
  if (!existing) target.set(id, { ...delta });
  else {
    existing.releasedNano += delta.releasedNano;
    existing.spentNano += delta.spentNano;
  }
}
