import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { Client } from 'pg';
import { descendantPids } from './proc';

/**
 * The gateway under test, as a child process: `node <build>/src/main.js` with its whole
 * configuration in the environment (nothing inherited but PATH/HOME, so a stray MODE or .env
 * value of the caller's shell cannot change what is measured), plus the throwaway Postgres
 * database and Redis prefix it uses, and its provisioning through the admin API.
 */

export interface Storage {
  /** production (Postgres + Redis) or the embedded fallback (enhanced mode, PGlite, memory). */
  kind: 'postgres+redis' | 'embedded';
  env: Record<string, string>;
  describe: string;
  cleanup(): Promise<void>;
}

function randomName(prefix: string): string {
  return `${prefix}${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

/**
 * Postgres database and Redis prefix of our own when DATABASE_URL and REDIS_URL are set
 * (dropped / deleted by cleanup()), else a temporary DATA_DIR for the embedded database.
 */
export async function prepareStorage(
  databaseUrl: string | undefined,
  redisUrl: string | undefined,
): Promise<Storage> {
  if (databaseUrl && redisUrl) {
    const name = randomName('mm_bench_');
    const admin = new Client({ connectionString: databaseUrl });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${name}`);
    } finally {
      await admin.end();
    }
    const url = new URL(databaseUrl);
    url.pathname = `/${name}`;
    const prefix = `${randomName('mmbench_')}:`;
    return {
      kind: 'postgres+redis',
      describe: `Postgres database ${name} on ${url.host}, Redis ${new URL(redisUrl).host} under prefix ${prefix}`,
      env: {
        MODE: 'production',
        DATABASE_URL: url.toString(),
        REDIS_URL: redisUrl,
        REDIS_KEY_PREFIX: prefix,
      },
      async cleanup() {
        const client = new Client({ connectionString: databaseUrl });
        await client.connect();
        try {
          await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        } finally {
          await client.end();
        }
        await deleteRedisPrefix(redisUrl, prefix);
      },
    };
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'mm-bench-'));
  return {
    kind: 'embedded',
    describe: `embedded PGlite in ${dataDir}, in-memory rate limits and cache (enhanced mode)`,
    env: { MODE: 'enhanced', DATA_DIR: join(dataDir, 'db') },
    async cleanup() {
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function deleteRedisPrefix(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** A free TCP port on 127.0.0.1 (asked from the kernel, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface GatewayOptions {
  entry: string;
  env: Record<string, string>;
  workers: number;
  /** Appended to by the gateway directly (its stdout/stderr), not through this process. */
  logFile: string;
  logLevel: string;
  /** Preload the CPU profiler (bench/cpu-profile-preload) writing into this folder. */
  profileDir?: string;
  profilePreload?: string;
}

export interface Gateway {
  url: string;
  pid: number;
  /** The process and its cluster workers. */
  pids(): number[];
  signal(signal: NodeJS.Signals): void;
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const port = await freePort();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? tmpdir(),
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: options.logLevel,
    WORKERS: String(options.workers),
    // The bench measures the drain of in-flight work, not the readiness grace before it.
    SHUTDOWN_DRAIN_DELAY_MS: '0',
    ...options.env,
    // Extra environment for the gateway (e.g. BENCH_GATEWAY_ENV="MALLOC_ARENA_MAX=2"), to measure
    // allocator or runtime settings: space-separated NAME=value pairs.
    ...Object.fromEntries(
      (process.env.BENCH_GATEWAY_ENV ?? '')
        .split(/\s+/)
        .filter((pair) => pair.includes('='))
        .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
    ),
  };
  // V8 flags for the gateway (e.g. BENCH_GATEWAY_NODE_FLAGS="--max-old-space-size=192"), to
  // measure memory settings without touching the bench's own process.
  const execArgv: string[] = (process.env.BENCH_GATEWAY_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
  if (options.profileDir && options.profilePreload) {
    env.BENCH_CPU_PROFILE_DIR = options.profileDir;
    execArgv.push('-r', options.profilePreload);
  }
  const log = openSync(options.logFile, 'a');
  const child: ChildProcess = spawn(process.execPath, [...execArgv, options.entry], {
    env,
    stdio: ['ignore', log, log],
  });
  closeSync(log); // the child has its own copy
  let exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    });
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  let workersSeen = 0;
  for (;;) {
    if (exited)
      throw new Error(
        `the gateway exited during start-up (${JSON.stringify(exited)}); see ${options.logFile}`,
      );
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the gateway was not ready within 90 s; see ${options.logFile}`);
    }
    try {
      const response = await fetch(`${url}/health/ready`);
      await response.arrayBuffer();
      workersSeen = options.workers > 1 ? descendantPids(child.pid!).length : 1;
      if (response.ok && workersSeen >= options.workers) break;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  if (options.workers > 1) {
    // Every worker must be listening before load starts (the first one ready answers /health).
    await waitForWorkersReady(url, options.workers);
  }
  const pid = child.pid!;
  return {
    url,
    pid,
    pids: () => [pid, ...descendantPids(pid)],
    signal: (signal) => {
      for (const p of [pid, ...descendantPids(pid)]) {
        try {
          process.kill(p, signal);
        } catch {
          // already gone
        }
      }
    },
    async stop() {
      const started = Date.now();
      if (!exited) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const result = await exit;
      clearTimeout(timer);
      return { ...result, ms: Date.now() - started };
    },
  };
}

/** Workers start one after the other; a few health probes on fresh connections reach them all. */
async function waitForWorkersReady(url: string, workers: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  let consecutive = 0;
  while (consecutive < workers * 4 && Date.now() < deadline) {
    try {
      const response = await fetch(`${url}/health/ready`, { headers: { connection: 'close' } });
      await response.arrayBuffer();
      consecutive = response.ok ? consecutive + 1 : 0;
    } catch {
      consecutive = 0;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/* ------------------------------------------------------------------ provisioning */

export interface Provisioned {
  tenantId: string;
  keyId: string;
  apiKey: string;
}

async function admin<T>(
  url: string,
  adminKey: string,
  method: string,
  path: string,
  body: unknown,
): Promise<T> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} → ${response.status}: ${text}`);
  return JSON.parse(text) as T;
}

export interface TenantSpec {
  name: string;
  /** Requests per minute for the tenant's keys; 0 = unlimited (the limiter is skipped). */
  rateLimitRpm: number;
  /** Give the tenant a budget (every request then reserves and settles). */
  budget: boolean;
}

/** The bench's tenant: the limiter runs without ever refusing, and every request is budgeted. */
export const FULL_TENANT: TenantSpec = { name: 'bench', rateLimitRpm: 1_000_000, budget: true };

/** A tenant with a database key (and a budget when asked), through the admin API. */
export async function provisionTenant(
  url: string,
  adminKey: string,
  spec: TenantSpec = FULL_TENANT,
): Promise<Provisioned> {
  const tenant = await admin<{ id: string }>(url, adminKey, 'POST', '/admin/tenants', {
    name: spec.name,
    rate_limit_rpm: spec.rateLimitRpm,
  });
  const key = await admin<{ id: string; key: string }>(
    url,
    adminKey,
    'POST',
    `/admin/tenants/${tenant.id}/keys`,
    {
      name: `${spec.name}-key`,
    },
  );
  if (spec.budget) {
    await admin(url, adminKey, 'PUT', `/admin/tenants/${tenant.id}/budget`, {
      limit_usd: 1_000_000,
      period: 'monthly',
    });
  }
  return { tenantId: tenant.id, keyId: key.id, apiKey: key.key };
}
