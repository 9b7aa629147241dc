import type { BillingEvent, BillingEventsService } from './billing-events.service';

/**
 * How a replica keeps state that admins change (tenant policies, routing experiments, applied
 * routing thresholds) up to date on every replica: an event on the billing channel (Redis
 * pub/sub across replicas, in process otherwise) reloads at once; on a Postgres shared without
 * Redis, a cheap change stamp is polled (a change applies within the poll interval); and a full
 * reload every `refreshIntervalMs` is the safety net for a missed event. One implementation for
 * the three, so that they cannot drift apart.
 */
export interface ChangeFeedOptions {
  events: BillingEventsService;
  /** Reacts to a channel event (reloads what it names); `resync` is handled here. */
  onEvent: (event: BillingEvent) => void;
  /** Reloads everything (at start, on `resync`, every `refreshIntervalMs`, when the stamp changed). */
  reloadAll: () => Promise<void>;
  refreshIntervalMs: number;
  /**
   * Whether replicas share a database without a distributed channel (then the stamp is polled):
   * `!events.distributed && databaseUrl !== null`.
   */
  pollStamp: boolean;
  /** A value that changes with every write of the state; null when it could not be read. */
  readStamp: () => Promise<string | number | null>;
  pollIntervalMs: number;
}

export class ChangeFeed {
  private readonly timers: NodeJS.Timeout[] = [];
  private stamp: string | number | null = null;

  constructor(private readonly options: ChangeFeedOptions) {}

  /** Loads the state, then listens and polls; resolves once the state is loaded. */
  async start(): Promise<void> {
    const { events, onEvent, reloadAll, refreshIntervalMs, pollStamp, readStamp, pollIntervalMs } =
      this.options;
    if (pollStamp) this.stamp = await readStamp();
    await reloadAll();
    events.subscribe((event) => {
      if (event.type === 'resync') void reloadAll();
      else onEvent(event);
    });
    this.every(refreshIntervalMs, reloadAll);
    if (pollStamp) this.every(pollIntervalMs, () => this.reloadIfChanged());
  }

  stop(): void {
    for (const timer of this.timers.splice(0)) clearInterval(timer);
  }

  private async reloadIfChanged(): Promise<void> {
    const stamp = await this.options.readStamp();
    if (stamp === null || stamp === this.stamp) return;
    this.stamp = stamp;
    await this.options.reloadAll();
  }

  private every(intervalMs: number, task: () => Promise<void>): void {
    const timer = setInterval(() => void task(), intervalMs);
    timer.unref();
    this.timers.push(timer);
  }
}
