import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { BatchBuffer } from '../../common/batch-buffer';
import { AppConfig } from '../../config/app-config';
import { deleteExpiredShadowResults, validShadowResult, writeShadowResults } from './shadow-results-writer';
import type { ShadowResult } from './shadow.types';
import type { WorkQueueStats } from './work-queue';

const CLEANUP_INTERVAL_MS = 3_600_000;

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
  private readonly buffer: BatchBuffer<ShadowResult>;
  private readonly timers: NodeJS.Timeout[] = [];
  private dropped = 0;
  /** Set by the runner (the chat module's): its queue and counters. */
  private source: (() => Pick<ShadowProcessStats, 'queue' | 'skipped' | 'shadow_requests'>) | null = null;

  constructor(
    private readonly config: AppConfig,
    private readonly dataSource: DataSource,
  ) {
    this.buffer = new BatchBuffer({
      name: 'shadow results',
      logger: this.logger,
      write: (batch) => writeShadowResults(dataSource, batch),
      batchSize: config.billing.usageBatchSize,
      bufferMax: config.decisionLog.bufferMax,
      intervalMs: config.billing.usageFlushIntervalMs,
      eager: false,
    });
  }

  onModuleInit(): void {
    if (!this.config.shadow.enabled) return;
    this.buffer.start();
    if (this.config.decisionLog.retentionDays > 0) {
      const timer = setInterval(() => void this.cleanup(), CLEANUP_INTERVAL_MS);
      timer.unref();
      this.timers.push(timer);
    }
  }

  reportFrom(source: () => Pick<ShadowProcessStats, 'queue' | 'skipped' | 'shadow_requests'>): void {
    this.source = source;
  }

  /** Buffers the row (never waits, never throws). */
  record(result: ShadowResult): void {
    if (!validShadowResult(result) || !this.buffer.push(result)) this.dropped++;
  }

  stats(): ShadowProcessStats {
    const source = this.source?.() ?? {
      queue: null,
      skipped: 0,
      shadow_requests: { sent: 0, failed: 0, over_budget: 0, dropped: 0 },
    };
    return {
      ...source,
      buffered: this.buffer.size,
      written: this.buffer.totals.written,
      dropped: this.dropped + this.buffer.totals.refused,
      flush_errors: this.buffer.totals.flushErrors,
    };
  }

  /** Writes what is buffered; concurrent callers share the flush in progress. */
  flush(): Promise<void> {
    return this.buffer.flush();
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
    await this.buffer.close(3);
  }
}
