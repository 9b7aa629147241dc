/**
 * A bounded queue of small jobs run off the request path: push() never waits and never runs a
 * job (a full queue drops the job and counts it); jobs run in later event-loop turns
 * (setImmediate), each turn for at most `budgetMs` of wall time, and after a turn that used its
 * budget the next one waits so that the queue takes at most `maxShare` of the time
 * (budget / share − budget ms). What the shadow costs the process is bounded whatever the load.
 */
export interface WorkQueueOptions<T> {
  max: number;
  budgetMs: number;
  /** Largest share of the time the jobs may take when the queue is never empty (0 < share ≤ 1). */
  maxShare: number;
  run: (job: T) => void;
  /** Told when a job throws (the queue goes on). */
  onError?: (error: unknown) => void;
  /** Test seams: the clock (ms) and the schedulers. */
  now?: () => number;
  immediate?: (task: () => void) => void;
  later?: (task: () => void, ms: number) => void;
}

export interface WorkQueueStats {
  queued: number;
  accepted: number;
  dropped: number;
  done: number;
  failed: number;
  turns: number;
}

const COMPACT_AT = 1_024;

export class BoundedWorkQueue<T> {
  private jobs: T[] = [];
  private head = 0;
  private scheduled = false;
  private readonly totals = { accepted: 0, dropped: 0, done: 0, failed: 0, turns: 0 };
  private readonly now: () => number;
  private readonly immediate: (task: () => void) => void;
  private readonly later: (task: () => void, ms: number) => void;

  constructor(private readonly options: WorkQueueOptions<T>) {
    this.now = options.now ?? (() => performance.now());
    this.immediate = options.immediate ?? ((task) => setImmediate(task));
    this.later = options.later ?? ((task, ms) => setTimeout(task, ms).unref());
  }

  get size(): number {
    return this.jobs.length - this.head;
  }

  /** Queues the job; false (dropped, counted) when the queue is full. */
  push(job: T): boolean {
    if (this.size >= this.options.max) {
      this.totals.dropped++;
      return false;
    }
    this.jobs.push(job);
    this.totals.accepted++;
    if (!this.scheduled) {
      this.scheduled = true;
      this.immediate(() => this.turn());
    }
    return true;
  }

  stats(): WorkQueueStats {
    return { queued: this.size, ...this.totals };
  }

  /** Runs every queued job now (shutdown, tests). */
  drain(): void {
    while (this.size > 0) this.runOne();
  }

  /** One turn: jobs until the queue is empty or the budget is used. */
  private turn(): void {
    const started = this.now();
    this.totals.turns++;
    let used = 0;
    while (this.size > 0 && used < this.options.budgetMs) {
      this.runOne();
      used = this.now() - started;
    }
    if (this.size === 0) {
      this.scheduled = false;
      return;
    }
    const share = Math.min(1, Math.max(1e-3, this.options.maxShare));
    const pause = (used * (1 - share)) / share;
    if (pause < 1) this.immediate(() => this.turn());
    else this.later(() => this.turn(), pause);
  }

  private runOne(): void {
    const job = this.jobs[this.head];
    this.jobs[this.head] = undefined as T;
    this.head++;
    if (this.head >= COMPACT_AT && this.head * 2 >= this.jobs.length) {
      this.jobs = this.jobs.slice(this.head);
      this.head = 0;
    }
    try {
      this.options.run(job);
      this.totals.done++;
    } catch (error) {
      this.totals.failed++;
      this.options.onError?.(error);
    }
  }
}
