import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import type { DecisionRecord } from './decision-record';
import {
  deleteExpiredDecisions,
  invalidDecisionRecord,
  SqlDecisionLogWriter,
  type DecisionLogWriter,
} from './decision-log-writer';

const RETRY_MAX_MS = 30_000;
const CLEANUP_INTERVAL_MS = 3_600_000;
const DROP_LOG_INTERVAL_MS = 10_000;

export interface DecisionLogStats {
  buffered: number;
  written: number;
  dropped: number;
  flushErrors: number;
  expired: number;
}

/**
 * The routing decision log's writer side. record() only pushes to an in-memory buffer (no
 * database round trip on the request path, no wait); a flush writes up to USAGE_BATCH_SIZE rows
 * in one statement every USAGE_FLUSH_INTERVAL_MS, or as soon as a full batch waits. A failed
 * flush puts the batch back and retries with backoff; beyond DECISION_LOG_BUFFER_MAX rows are
 * dropped and counted. The buffer is written out at shutdown, before the database closes. An
 * hourly cleanup deletes rows older than DECISION_LOG_RETENTION_DAYS.
 */
@Injectable()
export class DecisionLogService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('DecisionLog');
  private readonly writer: DecisionLogWriter;
  private buffer: DecisionRecord[] = [];
  private flushing: Promise<void> | null = null;
  private readonly timers: NodeJS.Timeout[] = [];
  private failures = 0;
  private retryAt = 0;
  private lastDropLog = 0;
  private readonly totals = { written: 0, dropped: 0, flushErrors: 0, expired: 0 };

  constructor(
    private readonly config: AppConfig,
    private readonly dataSource: DataSource,
  ) {
    this.writer = new SqlDecisionLogWriter(dataSource);
  }

  /** The platform switch (DECISION_LOG_ENABLED); tenants have their own in the policy. */
  get enabled(): boolean {
    return this.config.decisionLog.enabled;
  }

  onModuleInit(): void {
    this.every(this.config.billing.usageFlushIntervalMs, () => this.tick());
    if (this.config.decisionLog.retentionDays > 0) {
      this.every(CLEANUP_INTERVAL_MS, () => void this.cleanup());
      const first = setTimeout(() => void this.cleanup(), 10_000);
      first.unref();
      this.timers.push(first);
    }
  }

  /** Buffers the record (never waits, never throws). */
  record(record: DecisionRecord): void {
    const problem = invalidDecisionRecord(record);
    if (problem || this.buffer.length >= this.config.decisionLog.bufferMax) {
      this.drop(problem ?? 'the buffer is full (database down or too slow?)');
      return;
    }
    this.buffer.push(record);
    if (this.buffer.length >= this.config.billing.usageBatchSize && Date.now() >= this.retryAt)
      void this.flush();
  }

  stats(): DecisionLogStats {
    return { buffered: this.buffer.length, ...this.totals };
  }

  /** Writes what is buffered; concurrent callers share the flush in progress. */
  flush(): Promise<void> {
    this.flushing ??= this.drain().finally(() => (this.flushing = null));
    return this.flushing;
  }

  /** Deletes the rows past the retention; resolves to how many. */
  async cleanup(): Promise<number> {
    const days = this.config.decisionLog.retentionDays;
    if (days <= 0) return 0;
    try {
      const deleted = await deleteExpiredDecisions(this.dataSource, days);
      this.totals.expired += deleted;
      return deleted;
    } catch (error) {
      this.logger.warn(`decision log cleanup failed: ${(error as Error).message}`);
      return 0;
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    for (let attempt = 0; attempt < 5 && this.buffer.length > 0; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      this.retryAt = 0;
      await this.flush();
    }
    if (this.buffer.length > 0)
      this.logger.error(`${this.buffer.length} routing decisions could not be written before shutdown`);
  }

  private every(intervalMs: number, task: () => void): void {
    const timer = setInterval(task, intervalMs);
    timer.unref();
    this.timers.push(timer);
  }

  private tick(): void {
    if (this.buffer.length > 0 && !this.flushing && Date.now() >= this.retryAt) void this.flush();
  }

  private async drain(): Promise<void> {
    const size = this.config.billing.usageBatchSize;
    while (this.buffer.length > 0) {
      const batch = this.buffer.splice(0, size);
      try {
        await this.writer.write(batch);
      } catch (error) {
        this.buffer = batch.concat(this.buffer);
        this.failures++;
        this.totals.flushErrors++;
        const delay = Math.min(
          RETRY_MAX_MS,
          this.config.billing.usageFlushIntervalMs * 2 ** Math.min(this.failures, 15),
        );
        this.retryAt = Date.now() + delay;
        this.logger.warn(
          `decision log flush failed (attempt ${this.failures}, ${this.buffer.length} buffered, retry in ${delay} ms): ${(error as Error).message}`,
        );
        return;
      }
      this.failures = 0;
      this.retryAt = 0;
      this.totals.written += batch.length;
    }
  }

  private drop(reason: string): void {
    this.totals.dropped++;
    const now = Date.now();
    if (now - this.lastDropLog > DROP_LOG_INTERVAL_MS) {
      this.lastDropLog = now;
      this.logger.error(`routing decision dropped: ${reason}; ${this.totals.dropped} dropped so far`);
    }
  }
}
