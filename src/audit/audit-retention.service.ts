import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';

const DAY_MS = 86_400_000;
/** How often each replica looks for expired rows. */
export const AUDIT_CLEANUP_INTERVAL_MS = 3_600_000;
/** Rows per DELETE: short transactions, no long lock on the table. */
export const AUDIT_CLEANUP_BATCH = 5_000;

/**
 * One batch of expired request decisions (never admin changes). SKIP LOCKED: replicas that
 * clean up at the same moment take different rows instead of waiting on each other.
 */
const DELETE_EXPIRED_SQL = `
WITH doomed AS (
  SELECT id FROM audit_log
   WHERE decision <> 'admin_change' AND created_at < $1
   ORDER BY created_at, id
   LIMIT $2
   FOR UPDATE SKIP LOCKED
), gone AS (
  DELETE FROM audit_log a USING doomed WHERE a.id = doomed.id RETURNING 1
)
SELECT count(*)::int AS deleted FROM gone`;

/**
 * AUDIT_RETENTION_DAYS: every replica deletes the request decisions older than that, hourly and
 * once shortly after start, in batches of AUDIT_CLEANUP_BATCH rows until none is left. Safe with
 * several replicas (SKIP LOCKED; a row deleted twice is simply not found). 0 keeps everything.
 */
@Injectable()
export class AuditRetentionService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('AuditRetention');
  private timers: NodeJS.Timeout[] = [];
  private running: Promise<number> | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    if (this.config.billing.auditRetentionDays <= 0) return;
    // Spread the replicas' first runs over a minute after start.
    const first = setTimeout(() => void this.runSafely(), 5_000 + Math.floor(Math.random() * 55_000));
    const every = setInterval(() => void this.runSafely(), AUDIT_CLEANUP_INTERVAL_MS);
    first.unref();
    every.unref();
    this.timers = [first, every];
  }

  onModuleDestroy(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers = [];
  }

  /** Deletes the request decisions older than the retention period (at `now`); returns how many. */
  purgeExpired(now: Date = new Date()): Promise<number> {
    const days = this.config.billing.auditRetentionDays;
    if (days <= 0) return Promise.resolve(0);
    this.running ??= this.purgeBefore(new Date(now.getTime() - days * DAY_MS)).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async purgeBefore(cutoff: Date): Promise<number> {
    let total = 0;
    for (;;) {
      const rows: Array<{ deleted: number }> = await this.dataSource.query(DELETE_EXPIRED_SQL, [
        cutoff.toISOString(),
        AUDIT_CLEANUP_BATCH,
      ]);
      const deleted = Number(rows[0]?.deleted ?? 0);
      total += deleted;
      if (deleted < AUDIT_CLEANUP_BATCH) return total;
      // Let the requests in between.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private async runSafely(): Promise<void> {
    try {
      const deleted = await this.purgeExpired();
      if (deleted > 0) this.logger.log(`deleted ${deleted} audit rows older than the retention period`);
    } catch (error) {
      this.logger.warn(`audit cleanup failed (retried in an hour): ${(error as Error).message}`);
    }
  }
}
