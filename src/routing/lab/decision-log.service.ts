import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { BatchBuffer } from '../../common/batch-buffer';
import { AppConfig } from '../../config/app-config';
import type { DecisionRecord } from './decision-record';
import {
  deleteExpiredDecisions,
  invalidDecisionRecord,
  SqlDecisionLogWriter,
  type DecisionLogWriter,
} from './decision-log-writer';

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
  private readonly buffer: BatchBuffer<DecisionRecord>;
  private readonly timers: NodeJS.Timeout[] = [];
  private lastDropLog = 0;
  private readonly counts = { dropped: 0, expired: 0 };

  constructor(
    private readonly config: AppConfig,
    private readonly dataSource: DataSource,
  ) {
    const writer: DecisionLogWriter = new SqlDecisionLogWriter(dataSource);
    this.buffer = new BatchBuffer({
      name: 'decision log',
      logger: this.logger,
      write: (batch) => writer.write(batch),
      batchSize: config.billing.usageBatchSize,
      bufferMax: config.decisionLog.bufferMax,
      intervalMs: config.billing.usageFlushIntervalMs,
      eager: false,
    });
  }

  /** The platform switch (DECISION_LOG_ENABLED); tenants have their own in the policy. */
  get enabled(): boolean {
    return this.config.decisionLog.enabled;
  }

  onModuleInit(): void {
    this.buffer.start();
    if (this.config.decisionLog.retentionDays > 0) {
      const every = setInterval(() => void this.cleanup(), CLEANUP_INTERVAL_MS);
      const first = setTimeout(() => void this.cleanup(), 10_000);
      for (const timer of [every, first]) {
        timer.unref();
        this.timers.push(timer);
      }
    }
  }

  /** Buffers the record (never waits, never throws). */
  record(record: DecisionRecord): void {
    const problem = invalidDecisionRecord(record);
    if (problem) this.drop(problem);
    else if (!this.buffer.push(record)) this.drop('the buffer is full (database down or too slow?)');
  }

  stats(): DecisionLogStats {
    const { written, flushErrors, refused } = this.buffer.totals;
    return {
      buffered: this.buffer.size,
      written,
      flushErrors,
      ...this.counts,
      dropped: this.counts.dropped + refused,
    };
  }

  /** Writes what is buffered; concurrent callers share the flush in progress. */
  flush(): Promise<void> {
    return this.buffer.flush();
  }

  /** Deletes the rows past the retention; resolves to how many. */
  async cleanup(): Promise<number> {
    const days = this.config.decisionLog.retentionDays;
    if (days <= 0) return 0;
    try {
      const deleted = await deleteExpiredDecisions(this.dataSource, days);
      this.counts.expired += deleted;
      return deleted;
    } catch (error) {
      this.logger.warn(`decision log cleanup failed: ${(error as Error).message}`);
      return 0;
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    const left = await this.buffer.close();
    if (left > 0) this.logger.error(`${left} routing decisions could not be written before shutdown`);
  }

  private drop(reason: string): void {
    this.counts.dropped++;
    const now = Date.now();
    if (now - this.lastDropLog > DROP_LOG_INTERVAL_MS) {
      this.lastDropLog = now;
      this.logger.error(`routing decision dropped: ${reason}; ${this.counts.dropped} dropped so far`);
    }
  }
}
