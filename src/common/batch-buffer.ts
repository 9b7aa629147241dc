import type { Logger } from '@nestjs/common';
import { isRowDataError, writeRowByRow } from './sql-errors';

const RETRY_MAX_MS = 30_000;

export interface BatchBufferOptions<T> {
  /** What the rows are, for the logs ("audit", "decision log", "shadow results"). */
  name: string;
  logger: Pick<Logger, 'warn'>;
  /** Writes one batch in one statement; rejects when nothing was written (all or nothing). */
  write(batch: T[]): Promise<void>;
  batchSize: number;
  /** Most rows held; push() refuses more (the caller counts the drop). */
  bufferMax: number;
  /** The timer that writes what waits, and the base of the retry backoff. */
  intervalMs: number;
  /**
   * Write on the next turn of the event loop after a push (audit rows: written moments after the
   * decision). Otherwise a write starts when a full batch waits, or on the timer.
   */
  eager: boolean;
}

/**
 * The buffer behind the gateway's batched writers (audit trail, routing decision log, shadow
 * results): push() never waits and never does I/O; a flush writes up to `batchSize` rows per
 * statement until the buffer is empty; a batch the database refuses for a row's data is written row
 * by row, dropping only the refused rows; any other failed write puts its batch back in front, in order, and
 * retries with exponential backoff (a database outage costs memory, bounded by `bufferMax`, not
 * requests); concurrent flushes share the one in progress; close() writes out what is left at
 * shutdown, retrying a few times. (The usage recorder has its own: its callers wait for their
 * rows, and it keeps the roll-ups.)
 */
export class BatchBuffer<T> {
  private items: T[] = [];
  private flushing: Promise<void> | null = null;
  private soon: NodeJS.Immediate | null = null;
  private timer: NodeJS.Timeout | null = null;
  private failures = 0;
  private retryAt = 0;
  private closed = false;
  readonly totals = { written: 0, flushErrors: 0, refused: 0 };

  constructor(private readonly options: BatchBufferOptions<T>) {}

  get size(): number {
    return this.items.length;
  }

  /** Starts the timer that writes what waits (and retries after a failure). */
  start(): void {
    this.timer ??= setInterval(() => {
      if (this.items.length > 0 && !this.flushing && this.healthy()) void this.flush();
    }, this.options.intervalMs);
    this.timer.unref();
  }

  /** Buffers the row; false when the buffer is full (nothing is buffered then). */
  push(item: T): boolean {
    if (this.items.length >= this.options.bufferMax) return false;
    this.items.push(item);
    if (this.flushing || this.soon || !this.healthy() || this.closed) return true;
    if (this.options.eager) {
      this.soon = setImmediate(() => {
        this.soon = null;
        if (this.healthy()) void this.flush();
      });
    } else if (this.items.length >= this.options.batchSize) void this.flush();
    return true;
  }

  /** Writes what is buffered, batch by batch, until empty or a write fails; never rejects. */
  flush(): Promise<void> {
    this.flushing ??= this.drain().finally(() => {
      this.flushing = null;
      // Rows pushed while this flush ran go in the next one.
      const waiting = this.options.eager
        ? this.items.length > 0
        : this.items.length >= this.options.batchSize;
      if (waiting && this.failures === 0 && !this.closed) void this.flush();
    });
    return this.flushing;
  }

  /**
   * Stops the timers and writes out what is left, retrying `attempts` times with growing pauses
   * (the database may be flaky at shutdown). Resolves to the rows that could not be written.
   */
  async close(attempts = 5): Promise<number> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    if (this.soon) clearImmediate(this.soon);
    this.timer = null;
    this.soon = null;
    for (let attempt = 0; attempt < attempts && (this.items.length > 0 || this.flushing); attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      this.retryAt = 0;
      await this.flush();
    }
    return this.items.length;
  }

  private healthy(): boolean {
    return Date.now() >= this.retryAt;
  }

  private async drain(): Promise<void> {
    const { batchSize } = this.options;
    while (this.items.length > 0) {
      const batch = this.items.splice(0, batchSize);
      try {
        await this.options.write(batch);
      } catch (error) {
        if (!isRowDataError(error)) {
          this.requeue(batch, error);
          return;
        }
        // A row's data, not the database: the batch would fail on every retry and hold back
        // every row behind it. Each row alone; only the refused ones are dropped.
        const failure = await writeRowByRow(
          batch,
          this.options.write,
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

  /** A row the database refused for its data: dropped and logged. */
  private refused(error: unknown): void {
    this.totals.refused++;
    this.options.logger.warn(
      `${this.options.name}: the database refused a row, dropped (${this.totals.refused} so far): ${(error as Error).message}`,
    );
  }

  private written(count: number): void {
    this.failures = 0;
    this.retryAt = 0;
    this.totals.written += count;
  }

  /** A failed write: the batch back in front, in order, and a retry after a growing pause. */
  private requeue(batch: T[], error: unknown): void {
    const { intervalMs, logger, name } = this.options;
    this.items = batch.concat(this.items);
    this.failures++;
    this.totals.flushErrors++;
    const delay = Math.min(RETRY_MAX_MS, intervalMs * 2 ** Math.min(this.failures, 15));
    this.retryAt = this.closed ? 0 : Date.now() + delay;
    logger.warn(
      `${name} flush failed (attempt ${this.failures}, ${this.items.length} buffered, retry in ${delay} ms): ${(error as Error).message}`,
    );
  }
}
