import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';

/**
 * PGlite's module (half a megabyte of JavaScript), loaded only when an embedded database opens:
 * a gateway on Postgres never compiles it (start-up time and heap).
 */
function pglite(): typeof PGlite {
  // The CommonJS build, as a static import would load it (`import()` would load the ESM build: a
  // second copy with its own classes).
  return (loadCommonJs('@electric-sql/pglite') as typeof import('@electric-sql/pglite')).PGlite;
}
const loadCommonJs = createRequire(__filename);

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

  /**
   * `templateKey` (in-memory databases only): start from the migrated template saved under that
   * key (saveTemplate), when there is one — initdb and the migrations then run once per set of
   * migrations on this machine instead of once per database (seconds of CPU per test boot).
   */
  static async open(dataDir: string, templateKey?: string): Promise<EmbeddedDatabase> {
    if (IN_MEMORY_DATA_DIRS.has(dataDir)) return new EmbeddedDatabase(await inMemory(templateKey), null);
    // PGlite creates only the last folder of its path: create the parents first.
    mkdirSync(dataDir, { recursive: true });
    const lock = DataDirLock.acquire(dataDir);
    try {
      const db = await pglite().create({ dataDir: join(dataDir, 'pglite') });
      return new EmbeddedDatabase(db, lock);
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  /** Saves this (just migrated, in-memory) database as the template for `key`. */
  async saveTemplate(key: string): Promise<void> {
    const dump = await this.db.dumpDataDir('none');
    const path = templatePath(key);
    const partial = `${path}.${process.pid}.partial`;
    writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
    renameSync(partial, path); // atomic: concurrent savers of the same key write the same bytes
  }

  async close(): Promise<void> {
    try {
      if (!this.db.closed) await this.db.close();
    } finally {
      this.lock?.release();
    }
  }
}

function templatePath(key: string): string {
  return join(tmpdir(), `modelmuxer-pglite-template-${key}.tar`);
}

function readTemplate(key: string): Buffer | null {
  const path = templatePath(key);
  try {
    return existsSync(path) ? readFileSync(path) : null;
  } catch {
    return null;
  }
}

/**
 * The template as the tarball PGlite's `loadDataDir` reads: PGlite only asks it for its type and
 * its bytes, so the file's own buffer is handed over instead of a Blob — copying 40 MB into a
 * Blob and reading it back through Node's Blob stream was a third of a database's start-up CPU.
 * (Should a PGlite version ever read it differently, `inMemory` falls back to a fresh initdb.)
 */
function tarball(bytes: Buffer): Blob {
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  const view = whole
    ? bytes.buffer
    : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const file = { type: 'application/x-tar', size: bytes.byteLength, arrayBuffer: async () => view };
  return file as unknown as Blob;
}

/** A fresh in-memory database: from the template when there is a usable one, else initdb. */
async function inMemory(templateKey: string | undefined): Promise<PGlite> {
  const template = templateKey ? readTemplate(templateKey) : null;
  if (template) {
    try {
      return await pglite().create({ loadDataDir: tarball(template) });
    } catch {
      // A template another PGlite version wrote, or a torn file: start from scratch instead.
    }
  }
  return pglite().create();
}
