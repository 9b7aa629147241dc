import { EventEmitter } from 'node:events';
import type { PGlite, Results } from '@electric-sql/pglite';

/**
 * A `pg`-compatible driver over one PGlite instance, handed to TypeORM's postgres driver via
 * the `driver` option. Why our own rather than typeorm-pglite:
 *  - PGlite is one session. typeorm-pglite gives that session to every query runner at once,
 *    so concurrent transactions interleave (lost updates, a rollback erasing another's work).
 *    Here the session is exclusive: a query runner waits until the previous one released it,
 *    exactly like a pg pool of size 1 (with a timeout so a leaked runner cannot hang us).
 *  - typeorm-pglite keeps a process-wide singleton instance; this keeps one per DataSource.
 * Results already carry `rows`, `rowCount` and `command` as pg's do.
 */
export interface PGliteDriverOptions {
  /** How long a query runner may wait for the session before failing. */
  acquireTimeoutMs: number;
}

type Callback<T> = (error: Error | null, result: T) => void;
type ReleaseFn = (error?: unknown) => void;

class SessionLock {
  private held = false;
  private readonly waiters: Array<() => void> = [];

  acquire(timeoutMs: number): Promise<ReleaseFn> {
    return new Promise((resolve, reject) => {
      const grant = () => {
        this.held = true;
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          this.held = false;
          const next = this.waiters.shift();
          if (next) next();
        });
      };
      if (!this.held) return grant();
      const timer = setTimeout(() => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(new Error(`embedded database busy: no session within ${timeoutMs} ms`));
      }, timeoutMs);
      timer.unref();
      const waiter = () => {
        clearTimeout(timer);
        grant();
      };
      this.waiters.push(waiter);
    });
  }
}

function runQuery(db: PGlite, text: string, params?: unknown[]): Promise<Results> {
  if (params && params.length > 0) return db.query(text, params);
  // Without parameters the text may hold several statements (migrations): exec runs them all,
  // and TypeORM expects the last statement's result, as pg returns it.
  return db
    .exec(text)
    .then((results) => (results[results.length - 1] ?? { rows: [], fields: [] }) as Results);
}

/** The object TypeORM receives as its `pg` module. */
export function createPGliteDriver(
  db: PGlite,
  options: PGliteDriverOptions,
): { Pool: new () => EventEmitter } {
  const lock = new SessionLock();

  class PGliteConnection extends EventEmitter {
    query(
      text: string,
      params?: unknown[] | Callback<Results>,
      callback?: Callback<Results>,
    ): Promise<Results> {
      const cb = typeof params === 'function' ? params : callback;
      const values = typeof params === 'function' ? undefined : params;
      const pending = runQuery(db, text, values);
      if (cb)
        pending.then(
          (result) => cb(null, result),
          (error: Error) => cb(error, undefined as never),
        );
      return pending;
    }
  }

  class PGlitePool extends EventEmitter {
    connect(
      callback: (error: Error | null, connection: PGliteConnection | null, release: ReleaseFn) => void,
    ): void {
      lock.acquire(options.acquireTimeoutMs).then(
        (release) => callback(null, new PGliteConnection(), release),
        (error: Error) =>
          callback(error, null, () => {
            /* nothing was acquired */
          }),
      );
    }

    /** Pool-level queries (used by TypeORM for a few one-offs) also take the session. */
    async query(text: string, params?: unknown[]): Promise<Results> {
      const release = await lock.acquire(options.acquireTimeoutMs);
      try {
        return await runQuery(db, text, params);
      } finally {
        release();
      }
    }

    end(callback?: (error: Error | null) => void): void {
      // The PGlite instance is owned (and closed) by EmbeddedDatabase, not by TypeORM.
      callback?.(null);
    }
  }

  return { Pool: PGlitePool };
}
