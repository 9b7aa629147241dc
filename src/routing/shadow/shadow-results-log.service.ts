import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { deleteExpiredShadowResults, validShadowResult, writeShadowResults } from './shadow-results-writer';
import type { ShadowResult } from './shadow.types';
import type { WorkQueueStats } from './work-queue';

const CLEANUP_INTERVAL_MS = 3_600_000;
const RETRY_MAX_MS = 30_000;

/** What this process's shadow did since it started (GET /admin/routing/shadow/report: `process`). */
export interface ShadowProcessStats {
  queue: WorkQueueStats | null;
  /** Live calls not evaluated: the tenant's customisation does not fit the candidate policy. */
  skipped: number;
  buffered: number;
  written: number;
  dropped: number;
  flush_errors: number;
  shadow_requests: { sent: number; failed: number; over_budget: number; dropped: number };
}

/**
 * The writer side of routing_shadow_results, like the decision log's: record() only pushes to a
 * buffer; a flush writes a batch (USAGE_BATCH_SIZE) in one statement every USAGE_FLUSH_INTERVAL_MS
 * or as soon as a full batch waits; a failed flush keeps the batch and retries with backoff; past
 * DECISION_LOG_BUFFER_MAX rows are dropped and counted. Written out at shutdown; rows older than
 * DECISION_LOG_RETENTION_DAYS deleted hourly. Also holds the process's shadow counters.
 */
@Injectable()
export class ShadowResultsLog implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('ShadowResults');
  private buffer: ShadowResult[] = [];
  private flushing: Promise<void> | null = null;
  private readonly timers: NodeJS.Timeout[] = [];
  private failures = 0;
  private retryAt = 0;
  private readonly totals = { written: 0, dropped: 0, flushErrors: 0 };
  /** Set by the runner (the chat module's): its queue and counters. */
  private source: (() => Pick<ShadowProcessStats, 'queue' | 'skipped' | 'shadow_requests'>) | null = null;

  constructor(
    private readonly config: AppConfig,
    private readonly dataSource: DataSource,
  ) {}

  onModuleInit(): void {
    if (!this.config.shadow.enabled) return;
    this.every(this.config.billing.usageFlushIntervalMs, () => {
      if (this.buffer.length > 0 && !this.flushing && Date.now() >= this.retryAt) void this.flush();
    });
    if (this.config.decisionLog.retentionDays > 0) this.every(CLEANUP_INTERVAL_MS, () => void this.cleanup());
  }

  reportFrom(source: () => Pick<ShadowProcessStats, 'queue' | 'skipped' | 'shadow_requests'>): void {
    this.source = source;
  }

  /** Buffers the row (never waits, never throws). */
  record(result: ShadowResult): void {
    if (!validShadowResult(result) || this.buffer.length >= this.config.decisionLog.bufferMax) {
      this.totals.dropped++;
      return;
    }
    this.buffer.push(result);
    if (this.buffer.length >= this.config.billing.usageBatchSize && Date.now() >= this.retryAt)
      void this.flush();
  }

  stats(): ShadowProcessStats {
    const source = this.source?.() ?? {
      queue: null,
      skipped: 0,
      shadow_requests: { sent: 0, failed: 0, over_budget: 0, dropped: 0 },
    };
    return {
      ...source,
      buffered: this.buffer.length,
      written: this.totals.written,
      dropped: this.totals.dropped,
      flush_errors: this.totals.flushErrors,
    };
  }

  /** Writes what is buffered; concurrent callers share the flush in progress. */
  flush(): Promise<void> {
    this.flushing ??= this.drain().finally(() => (this.flushing = null));
    return this.flushing;
  }

  async cleanup(): Promise<number> {
    try {
      return await deleteExpiredShadowResults(this.dataSource, this.config.decisionLog.retentionDays);
    } catch (error) {
      this.logger.warn(`shadow results cleanup failed: ${(error as Error).message}`);
      return 0;
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    for (let attempt = 0; attempt < 3 && this.buffer.length > 0; attempt++) {
      this.retryAt = 0;
      await this.flush();
    }
  }

  private every(intervalMs: number, task: () => void): void {
    const timer = setInterval(task, intervalMs);
    timer.unref();
    this.timers.push(timer);
  }

  private async drain(): Promise<void> {
    while (this.buffer.length > 0) {
      const batch = this.buffer.splice(0, this.config.billing.usageBatchSize);
      try {
        await writeShadowResults(this.dataSource, batch);
      } catch (error) {
        this.buffer = batch.concat(this.buffer);
        this.failures++;
        this.totals.flushErrors++;
        const delay = Math.min(
          RETRY_MAX_MS,
          this.config.billing.usageFlushIntervalMs * 2 ** Math.min(this.failures, 15),
        );
        this.retryAt = Date.now() + delay;
        this.logger.warn(`shadow results flush failed (retry in ${delay} ms): ${(error as Error).message}`);
        return;
      }
      this.failures = 0;
      this.totals.written += batch.length;
    }
  }
}
