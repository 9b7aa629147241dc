import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import type { AppConfig } from './config/app-config';

/** Number of worker processes for WORKERS (0 = "auto": one per core). */
export function workerCount(config: AppConfig): number {
  return config.workers === 0 ? availableParallelism() : config.workers;
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
