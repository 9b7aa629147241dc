import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationShutdown,
  OnModuleInit,
} from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import type { AuditRecorder, RequestAuditEvent } from './audit.types';
import { AUDIT_WRITER, invalidAuditEvent, type AuditWriter } from './audit-writer';

const RETRY_MAX_MS = 30_000;
const DROP_LOG_INTERVAL_MS = 10_000;

export interface AuditRecorderStats {
  buffered: number;
  written: number;
  dropped: number;
  flushErrors: number;
}

/**
 * AUDIT_RECORDER, batched like the usage recorder but never awaited by a request: record()
 * buffers the event (bounded by USAGE_BUFFER_MAX; what does not fit is dropped, counted and
 * logged) and schedules a flush on the next turn of the event loop, so the decisions of all the
 * requests in flight share one INSERT (up to USAGE_BATCH_SIZE rows) and none waits for it. A
 * failed flush puts the batch back in front and retries with exponential backoff; the buffer is
 * written out at shutdown (beforeApplicationShutdown, before the database closes). What a crash
 * can lose: the events buffered and not yet written — normally those of the last event-loop
 * turn, while the database is down everything buffered (as for usage without USAGE_DURABLE_ACK).
 */
@Injectable()
export class AuditRecorderService
  implements AuditRecorder, OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger('AuditRecorder');
  private readonly intervalMs: number;
  private readonly batchSize: number;
  private readonly bufferMax: number;
  private buffer: RequestAuditEvent[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushSoon: NodeJS.Immediate | null = null;
  private flushing: Promise<void> | null = null;
  private failures = 0;
  private retryAt = 0;
  private closed = false;
  private lastDropLog = 0;
  private readonly totals = { written: 0, dropped: 0, flushErrors: 0 };

  constructor(
    config: AppConfig,
    @Inject(AUDIT_WRITER) private readonly writer: AuditWriter,
  ) {
    this.intervalMs = config.billing.usageFlushIntervalMs;
    this.batchSize = config.billing.usageBatchSize;
    this.bufferMax = config.billing.usageBufferMax;
  }

  onModuleInit(): void {
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  record(event: RequestAuditEvent): void {
    const problem = invalidAuditEvent(event);
    if (problem) return this.drop(`invalid event (${problem})`);
    if (this.buffer.length >= this.bufferMax)
      return this.drop('the buffer is full (database down or too slow?)');
    this.buffer.push(event);
    if (this.flushing || this.flushSoon || Date.now() < this.retryAt) return;
    this.flushSoon = setImmediate(() => {
      this.flushSoon = null;
      if (Date.now() >= this.retryAt) void this.flush();
    });
  }

  stats(): AuditRecorderStats {
    return { buffered: this.buffer.length, ...this.totals };
  }

  /** Writes what is buffered, batch by batch, until empty or a write fails (callers share it). */
  flush(): Promise<void> {
    this.flushing ??= this.drain().finally(() => {
      this.flushing = null;
      // Events recorded while this flush ran go in the next one.
      if (this.buffer.length > 0 && this.failures === 0 && !this.closed) void this.flush();
    });
    return this.flushing;
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    if (this.flushSoon) clearImmediate(this.flushSoon);
    this.timer = null;
    this.flushSoon = null;
    for (let attempt = 0; attempt < 5 && this.buffer.length > 0; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      this.retryAt = 0;
      await this.flush();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.buffer.length > 0) await this.flush().catch(() => undefined);
    if (this.buffer.length > 0)
      this.logger.error(`${this.buffer.length} audit rows could not be written before shutdown and are lost`);
  }

  private tick(): void {
    if (this.buffer.length > 0 && !this.flushing && Date.now() >= this.retryAt) void this.flush();
  }

  private async drain(): Promise<void> {
    while (this.buffer.length > 0) {
      const batch = this.buffer.splice(0, this.batchSize);
      try {
        await this.writer.write(batch);
      } catch (error) {
        this.buffer = batch.concat(this.buffer);
        this.failures++;
        this.totals.flushErrors++;
        const delay = Math.min(RETRY_MAX_MS, this.intervalMs * 2 ** Math.min(this.failures, 15));
        this.retryAt = this.closed ? 0 : Date.now() + delay;
        this.logger.warn(
          `audit flush failed (attempt ${this.failures}, ${this.buffer.length} buffered, retry in ${delay} ms): ${(error as Error).message}`,
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
      this.logger.error(`audit row dropped: ${reason}; ${this.totals.dropped} dropped so far`);
    }
  }
}
