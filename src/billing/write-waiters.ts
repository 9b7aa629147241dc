/**
 * Callers waiting until what they queued for a batched write has been written (group commit):
 * a request answers its client only once its usage row and budget settlement are durable, while
 * every request in flight still shares one statement per batch.
 *
 * A wait never rejects and never outlasts `timeoutMs`: when the database is slow or down the
 * request is answered anyway and its write stays queued for the writer's retries (then a kill of
 * the process can lose it, as it could before acknowledgement existed).
 */
export class WriteWaiters {
  private waiting: Array<() => void> = [];

  constructor(private readonly timeoutMs: number) {}

  /** Resolves when a write that took this waiter succeeds, or after the timeout. */
  wait(): Promise<void> {
    return new Promise((resolve) => {
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(finish, this.timeoutMs);
      timer.unref();
      this.waiting.push(finish);
    });
  }

  /** Waiters queued so far, in order (the batch about to be written takes them). */
  take(count = this.waiting.length): Array<() => void> {
    return this.waiting.splice(0, count);
  }

  /** Waiters of a batch whose write failed go back to the front. */
  putBack(waiters: Array<() => void>): void {
    this.waiting = waiters.concat(this.waiting);
  }
}

/** Runs every waiter of a written batch. */
export function releaseWaiters(waiters: Array<() => void>): void {
  for (const finish of waiters) finish();
}
