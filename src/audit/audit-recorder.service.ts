import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationShutdown,
  OnModuleInit,
} from '@nestjs/common';
import { BatchBuffer } from '../common/batch-buffer';
import { AppConfig } from '../config/app-config';
import type { AuditRecorder, RequestAuditEvent } from './audit.types';
import { AUDIT_WRITER, invalidAuditEvent, type AuditWriter } from './audit-writer';

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
  private readonly buffer: BatchBuffer<RequestAuditEvent>;
  private lastDropLog = 0;
  private dropped = 0;

  constructor(config: AppConfig, @Inject(AUDIT_WRITER) writer: AuditWriter) {
    this.buffer = new BatchBuffer({
      name: 'audit',
      logger: this.logger,
      write: (batch) => writer.write(batch),
      batchSize: config.billing.usageBatchSize,
      bufferMax: config.billing.usageBufferMax,
      intervalMs: config.billing.usageFlushIntervalMs,
      eager: true,
    });
  }

  onModuleInit(): void {
    this.buffer.start();
  }

  record(event: RequestAuditEvent): void {
    const problem = invalidAuditEvent(event);
    if (problem) return this.drop(`invalid event (${problem})`);
    if (!this.buffer.push(event)) this.drop('the buffer is full (database down or too slow?)');
  }

  stats(): AuditRecorderStats {
    const { written, flushErrors, refused } = this.buffer.totals;
    return { buffered: this.buffer.size, written, flushErrors, dropped: this.dropped + refused };
  }

  /** Writes what is buffered, batch by batch, until empty or a write fails (callers share it). */
  flush(): Promise<void> {
    return this.buffer.flush();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.buffer.close();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.buffer.size > 0) await this.buffer.flush().catch(() => undefined);
    if (this.buffer.size > 0)
      this.logger.error(`${this.buffer.size} audit rows could not be written before shutdown and are lost`);
  }

  private drop(reason: string): void {
    this.dropped++;
    const now = Date.now();
    if (now - this.lastDropLog > DROP_LOG_INTERVAL_MS) {
      this.lastDropLog = now;
      this.logger.error(`audit row dropped: ${reason}; ${this.dropped} dropped so far`);
    }
  }
}
