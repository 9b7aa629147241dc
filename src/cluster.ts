import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { AppConfig } from './config/app-config';

/** Reads a small text file, or null when it is missing or unreadable. */
export type ReadText = (path: string) => string | null;

const readText: ReadText = (path) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
};

/**
 * The CPU limit of the process's container in cores (quota ÷ period), or null when there is
 * none. Node 20's availableParallelism() counts the host's cores, not a container's CPU limit: a
 * pod limited to 2 CPUs on a 64-core node would fork 64 workers (64 × ≈ 0.5 GB of memory) that the
 * limit then throttles. cgroup v2 (`cpu.max`: "max 100000" or "<quota> <period>"), then v1
 * (`cpu.cfs_quota_us`, -1 when unlimited, and `cpu.cfs_period_us`); containers see their own
 * cgroup at these paths.
 */
export function cgroupCpuLimit(read: ReadText = readText): number | null {
  const v2 = read('/sys/fs/cgroup/cpu.max');
  if (v2 !== null) {
    const [quota, period] = v2.trim().split(/\s+/);
    return limitOf(Number(quota), Number(period ?? 100_000));
  }
  for (const dir of ['/sys/fs/cgroup/cpu', '/sys/fs/cgroup/cpu,cpuacct']) {
    const quota = read(`${dir}/cpu.cfs_quota_us`);
    const period = read(`${dir}/cpu.cfs_period_us`);
    if (quota !== null && period !== null) return limitOf(Number(quota.trim()), Number(period.trim()));
  }
  return null;
}

/** quota ÷ period in cores; "max", -1 or anything unreadable means no limit. */
function limitOf(quota: number, period: number): number | null {
  if (!Number.isFinite(quota) || quota <= 0 || !Number.isFinite(period) || period <= 0) return null;
  return quota / period;
}

/**
 * Workers for WORKERS=auto: one per core the process may use — the cores it may run on
 * (availableParallelism, which honours CPU affinity), capped by the container's CPU limit rounded
 * down (a worker per whole core: 1.5 CPUs → 1 worker, not 2 throttled ones), at least one.
 */
export function autoWorkerCount(cores: number, cpuLimit: number | null): number {
  const limited = cpuLimit === null ? cores : Math.min(cores, Math.floor(cpuLimit));
  return Math.max(1, limited);
}

/** Number of worker processes for WORKERS (0 = "auto": one per core the container may use). */
export function workerCount(config: AppConfig, read: ReadText = readText): number {
  return config.workers === 0
    ? autoWorkerCount(availableParallelism(), cgroupCpuLimit(read))
    : config.workers;
}

/**
 * Runs the gateway as one process per core with Node's cluster module: the primary forks the
 * workers (which share the listening socket), restarts one that dies unexpectedly, and on
 * SIGTERM/SIGINT asks every worker to shut down gracefully and exits when they have.
 * Shared state (rate limits, budgets, cache, revocations) lives in Redis/Postgres, so workers
 * behave like replicas.
 */
export function runPrimary(count: number, log: (message: string) => void): void {
  let stopping = false;
  const fork = () => cluster.fork();
  for (let i = 0; i < count; i++) fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    log(`worker ${worker.process.pid} exited (${signal ?? code}); starting a new one`);
    setTimeout(fork, 1_000).unref();
  });
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping ${Object.keys(cluster.workers ?? {}).length} workers`);
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
