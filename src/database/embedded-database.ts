import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';

/** DATA_DIR values that mean "in memory, nothing on disk" (tests, throwaway runs). */
export const IN_MEMORY_DATA_DIRS = new Set([':memory:', 'memory://']);

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A lock file in DATA_DIR so that a second process cannot open the same embedded database
 * (PGlite does not lock its directory, and two writers silently lose data). A lock left by a
 * dead process is taken over.
 */
export class DataDirLock {
  private constructor(private readonly path: string) {}

  static acquire(dataDir: string): DataDirLock {
    const path = join(dataDir, 'modelmuxer.lock');
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, 'wx');
        writeSync(fd, String(process.pid));
        closeSync(fd);
        return new DataDirLock(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const owner = Number(readFileSync(path, 'utf8').trim());
        if (Number.isInteger(owner) && owner > 0 && processAlive(owner)) {
          throw new Error(
            `DATA_DIR ${resolve(dataDir)} is in use by process ${owner}${owner === process.pid ? ' (this process)' : ''}: ` +
              'the embedded database allows one process; stop the other one, use another DATA_DIR, or set DATABASE_URL',
          );
        }
        rmSync(path, { force: true }); // stale lock from a process that died
      }
    }
    throw new Error(`could not lock DATA_DIR ${resolve(dataDir)}`);
  }

  release(): void {
    rmSync(this.path, { force: true });
  }
}

/** The embedded Postgres (PGlite, WASM) used when DATABASE_URL is not set. */
export class EmbeddedDatabase {
  private constructor(
    readonly db: PGlite,
    private readonly lock: DataDirLock | null,
  ) {}

  static async open(dataDir: string): Promise<EmbeddedDatabase> {
    if (IN_MEMORY_DATA_DIRS.has(dataDir)) return new EmbeddedDatabase(await PGlite.create(), null);
    // PGlite creates only the last folder of its path: create the parents first.
    mkdirSync(dataDir, { recursive: true });
    const lock = DataDirLock.acquire(dataDir);
    try {
      const db = await PGlite.create({ dataDir: join(dataDir, 'pglite') });
      return new EmbeddedDatabase(db, lock);
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  async close(): Promise<void> {
    try {
      if (!this.db.closed) await this.db.close();
    } finally {
      this.lock?.release();
    }
  }
}
