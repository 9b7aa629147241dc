import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationShutdown,
  OnModuleInit,
} from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge } from 'prom-client';
import { AppConfig } from '../../config/app-config';
import { METRIC } from '../../telemetry/metrics';
import type { UsageEvent, UsageRecorder } from '../billing.types';
import { releaseWaiters, WriteWaiters } from '../write-waiters';
import { invalidUsageEvent, USAGE_WRITER, type UsageWriter } from './usage-writer';
import { isRowDataError, writeRowByRow } from '../../common/sql-errors';

const RETRY_MAX_MS = 30_000;
const DROP_LOG_INTERVAL_MS = 10_000;
/** Rows one roll-up statement takes from the queue. */
const ROLL_UP_BATCH = 5_000;
/**
 * A replica rolls up whatever is queued every this many flush intervals even when it wrote
 * nothing itself: rows left by a replica killed between its write and its roll-up, or whose
 * roll-up failed (5 s with the default USAGE_FLUSH_INTERVAL_MS).
 */
const ROLL_UP_SWEEP_INTERVALS = 5;

export interface UsageRecorderStats {
  buffered: number;
  flushed: number;
  dropped: number;
  flushErrors: number;
  rolledUp: number;
  rollUpErrors: number;
}

/**
 * USAGE_RECORDER. record() pushes to an in-memory buffer (bounded by USAGE_BUFFER_MAX; what
 * does not fit is dropped and counted). A flush writes up to USAGE_BATCH_SIZE events in one
 * statement every USAGE_FLUSH_INTERVAL_MS, or as soon as a full batch is waiting. With
 * USAGE_DURABLE_ACK (the default) a flush also starts on the next turn of the event loop, and
 * record()'s promise resolves once the event is written (group commit: events recorded while a
 * flush runs go in the next one), so the request is answered after its usage is durable. A failed flush
 * puts the batch back at the front and retries with exponential backoff, so a brief database
 * outage costs memory, not requests. At shutdown the buffer is written out completely in
 * beforeApplicationShutdown, before any module closes the database.
 *
 * Roll-ups are not on the request's path: a write puts the raw rows in usage_records and in the
 * roll-up queue, and a roll-up pass moves queued rows into every roll-up (usage-writer.ts) every
 * USAGE_FLUSH_INTERVAL_MS after this replica wrote rows, every ROLL_UP_SWEEP_INTERVALS of them in any case
 * (one pass at a time per replica): one pass carries all the writes of the interval, so its cost
 * (≈ 1.4 ms of database time, most of it fixed) is not paid per request at low traffic.
 * flush() waits for both, so that a caller reading reports afterwards sees its rows.
 */
@Injectable()
export class UsageRecorderService
  implements UsageRecorder, OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger('UsageRecorder');
  private readonly intervalMs: number;
  private readonly sweepMs: number;
  private readonly batchSize: number;
  private readonly bufferMax: number;
  private readonly durableAck: boolean;
  private readonly waiters: WriteWaiters;
  /** Events buffered so far, and written so far (in order: a failed batch goes back in front). */
  private recordedSeq = 0;
  private writtenSeq = 0;
  /** The sequence number each waiter waits for, in order. */
  private waitingFor: number[] = [];
  private flushSoon: NodeJS.Immediate | null = null;
  private buffer: UsageEvent[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private failures = 0;
  private retryAt = 0;
  private closed = false;
  private lastDropLog = 0;
  private rollingUp: Promise<void> | null = null;
  private rollUpAgain: Promise<void> | null = null;
  private lastRollUpAt = 0;
  /** Rows written by this replica since its last roll-up pass started. */
  private unrolled = false;
  private readonly totals = { flushed: 0, dropped: 0, flushErrors: 0, rolledUp: 0, rollUpErrors: 0 };

  constructor(
    config: AppConfig,
    @Inject(USAGE_WRITER) private readonly writer: UsageWriter,
    @InjectMetric(METRIC.usageBuffered) private readonly bufferedGauge: Gauge<string>,
    @InjectMetric(METRIC.usageFlushed) private readonly flushedCounter: Counter<string>,
    @InjectMetric(METRIC.usageFlushErrors) private readonly errorCounter: Counter<string>,
    @InjectMetric(METRIC.usageDropped) private readonly droppedCounter: Counter<string>,
  ) {
    this.intervalMs = config.billing.usageFlushIntervalMs;
    this.sweepMs = this.intervalMs * ROLL_UP_SWEEP_INTERVALS;
    this.batchSize = config.billing.usageBatchSize;
    this.bufferMax = config.billing.usageBufferMax;
    this.durableAck = config.billing.usageDurableAck;
    this.waiters = new WriteWaiters(config.billing.usageAckTimeoutMs);
  }

  onModuleInit(): void {
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  /**
   * Buffers the event. Resolves once it is written (USAGE_DURABLE_ACK), at once when it is off,
   * dropped, or the database is failing (the event then waits for the retries), and never later
   * than USAGE_ACK_TIMEOUT_MS; never rejects.
   */
  record(event: UsageEvent): Promise<void> {
    if (this.buffer.length >= this.bufferMax) {
      this.drop(1, 'the buffer is full (database down or too slow?)');
      return Promise.resolve();
    }
    if (event.refusal && this.buffer.length >= this.bufferMax / 2) {
      // A flood of refused requests must never crowd billable usage out of the buffer.
      this.drop(1, 'refusal not counted: the buffer is half full');
      return Promise.resolve();
    }
    const problem = invalidUsageEvent(event);
    if (problem) {
      this.drop(1, `invalid event (${problem})`);
      return Promise.resolve();
    }
    this.buffer.push(event);
    this.recordedSeq++;
    const healthy = Date.now() >= this.retryAt;
    if (this.buffer.length >= this.batchSize && !this.flushing && healthy) void this.writeBuffered();
    if (!this.durableAck || this.failures > 0 || this.closed) return Promise.resolve();
    this.waitingFor.push(this.recordedSeq);
    if (!this.flushing && !this.flushSoon) {
      this.flushSoon = setImmediate(() => {
        this.flushSoon = null;
        if (Date.now() >= this.retryAt) void this.writeBuffered();
      });
    }
    return this.waiters.wait();
  }

  stats(): UsageRecorderStats {
    return { buffered: this.buffer.length, ...this.totals };
  }

  /**
   * Writes what is buffered and rolls up what is queued (this replica's and any other's), then
   * resolves; never rejects (a failed write stays buffered for the retries, a failed roll-up
   * stays queued for the next pass).
   */
  async flush(): Promise<void> {
    await this.writeBuffered();
    await this.rollUp();
  }

  /**
   * Writes what is buffered, batch by batch, until the buffer is empty or a write fails.
   * Concurrent callers share the write in progress.
   */
  private writeBuffered(): Promise<void> {
    if (!this.flushing) {
      this.flushing = this.drain().finally(() => {
        this.flushing = null;
        this.bufferedGauge.set(this.buffer.length);
      });
    }
    return this.flushing;
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.flushSoon) clearImmediate(this.flushSoon);
    this.flushSoon = null;
    // The HTTP server has drained: nothing new arrives. Retry a few times for a flaky database.
    for (let attempt = 0; attempt < 5 && this.buffer.length > 0; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      await this.writeBuffered();
    }
    // What stays queued is rolled up by the next pass of any replica (or of this one's next start).
    await this.rollUp();
  }

  async onApplicationShutdown(): Promise<void> {
    // Anything recorded during the shutdown sequence itself; the database may already be closed.
    if (this.buffer.length > 0) await this.writeBuffered().catch(() => undefined);
    if (this.buffer.length > 0) {
      this.logger.error(
        `${this.buffer.length} usage records could not be written before shutdown and are lost`,
      );
    }
  }

  private tick(): void {
    this.bufferedGauge.set(this.buffer.length);
    if (this.buffer.length > 0 && !this.flushing && Date.now() >= this.retryAt) void this.writeBuffered();
    if (!this.rollingUp && (this.unrolled || Date.now() - this.lastRollUpAt >= this.sweepMs))
      void this.rollUp();
  }

  /**
   * Resolves after a roll-up pass that started after this call: joins the next pass when one is
   * running (rows written during it may have missed it). One pass at a time per replica.
   */
  private rollUp(): Promise<void> {
    if (this.rollingUp) {
      this.rollUpAgain ??= this.rollingUp.then(() => {
        this.rollUpAgain = null;
        return this.rollUp();
      });
      return this.rollUpAgain;
    }
    this.unrolled = false;
    this.rollingUp = this.rollUpQueued().finally(() => {
      this.rollingUp = null;
      this.lastRollUpAt = Date.now();
    });
    return this.rollingUp;
  }

  /** Rolls up queued rows, statement by statement, until the queue is empty or a statement fails. */
  private async rollUpQueued(): Promise<void> {
    try {
      for (;;) {
        const rolled = await this.writer.rollUp(ROLL_UP_BATCH);
        this.totals.rolledUp += rolled;
        if (rolled < ROLL_UP_BATCH) return;
      }
    } catch (error) {
      this.totals.rollUpErrors++;
      this.logger.warn(
        `usage roll-up failed (rows stay queued, next pass within ${this.sweepMs} ms): ${(error as Error).message}`,
      );
    }
  }

  private async drain(): Promise<void> {
    while (this.buffer.length > 0) {
      const batch = this.buffer.splice(0, this.batchSize);
      try {
        await this.writer.write(batch);
      } catch (error) {
        if (!isRowDataError(error)) {
          this.requeue(batch, error);
          return;
        }
        // A row's data, not the database: retrying the batch could never succeed, and every
        // event behind it would wait. Each event alone; only the refused ones are dropped.
        const failure = await writeRowByRow(
          batch,
          (rows) => this.writer.write(rows),
          () => this.written(1),
          (refusal) => this.refused(refusal),
        );
        if (!failure) continue;
        this.requeue(batch.slice(failure.index), failure.error);
        return;
      }
      this.written(batch.length);
    }
  }

  /** One event the database refused: dropped, and its waiter answered (it will never be written). */
  private refused(error: unknown): void {
    this.drop(1, `the database refused the event (${(error as Error).message})`);
    this.acknowledge(1);
  }

  private written(count: number): void {
    this.failures = 0;
    this.retryAt = 0;
    this.totals.flushed += count;
    this.flushedCounter.inc(count);
    this.acknowledge(count);
    this.unrolled = true;
  }

  /** A failed write: the batch back at the front, in order (the bound is on new events only). */
  private requeue(batch: UsageEvent[], error: unknown): void {
    this.buffer = batch.concat(this.buffer);
    this.failures++;
    this.totals.flushErrors++;
    this.errorCounter.inc();
    const delay = Math.min(RETRY_MAX_MS, this.intervalMs * 2 ** Math.min(this.failures, 15));
    this.retryAt = this.closed ? 0 : Date.now() + delay;
    this.logger.warn(
      `usage flush failed (attempt ${this.failures}, ${this.buffer.length} buffered, retry in ${delay} ms): ${(error as Error).message}`,
    );
  }

  /** Resolves the waiters whose events are now written. */
  private acknowledge(written: number): void {
    this.writtenSeq += written;
    let count = 0;
    while (count < this.waitingFor.length && this.waitingFor[count] <= this.writtenSeq) count++;
    if (count === 0) return;
    this.waitingFor.splice(0, count);
    releaseWaiters(this.waiters.take(count));
  }

  private drop(count: number, reason: string): void {
    this.totals.dropped += count;
    this.droppedCounter.inc(count);
    const now = Date.now();
    if (now - this.lastDropLog > DROP_LOG_INTERVAL_MS) {
      this.lastDropLog = now;
      this.logger.error(`usage record dropped: ${reason}; ${this.totals.dropped} dropped so far`);
    }
  }
}
