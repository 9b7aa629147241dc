import { BeforeApplicationShutdown, INestApplication, Injectable, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Server } from 'node:http';
import { ServingState } from '../common/serving-state';
import { AppConfig } from '../config/app-config';

/** Counts requests in flight (incremented by the request-context middleware). */
@Injectable()
export class InFlightRequests {
  private count = 0;
  private waiters: Array<() => void> = [];

  get size(): number {
    return this.count;
  }

  started(): void {
    this.count++;
  }

  finished(): void {
    this.count--;
    if (this.count === 0) {
      const waiters = this.waiters;
      this.waiters = [];
      for (const wake of waiters) wake();
    }
  }

  /** Resolves when nothing is in flight, or after timeoutMs; true when it drained. */
  waitUntilIdle(timeoutMs: number): Promise<boolean> {
    if (this.count === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      timer.unref();
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}

/**
 * The process's answer to SIGTERM (and SIGINT), in order:
 * 1. at once: draining — /health/ready answers 503, responses carry `Connection: close`, and
 *    everything is still served (new requests included);
 * 2. after SHUTDOWN_DRAIN_DELAY_MS (SIGTERM only; long enough for balancers to see the failing
 *    probe, and for Kubernetes to take the pod out of its endpoints): app.close() — the server
 *    stops accepting and drains in-flight requests and streams (GracefulShutdown, bounded by
 *    SHUTDOWN_TIMEOUT_MS), usage records and budget settlements are flushed, Postgres and Redis
 *    closed;
 * 3. exit 0 (1 if closing failed).
 * A second signal skips what is left of the delay. Registered by main.ts only (never by tests
 * that build apps in their own process); test/e2e/sigterm.e2e-spec.ts runs it on a real child.
 */
export function handleShutdownSignals(app: INestApplication, config: AppConfig): void {
  const logger = new Logger('Shutdown');
  let closing = false;
  let skipDelay: () => void = () => undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (closing) {
      skipDelay();
      return;
    }
    closing = true;
    app.get(ServingState).beginDraining();
    const delayMs = signal === 'SIGTERM' ? config.shutdownDrainDelayMs : 0;
    logger.log({ msg: 'draining: readiness fails, still serving', signal, delayMs });
    const delay = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, delayMs);
      skipDelay = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    delay
      .then(() => app.close())
      .then(
        () => process.exit(0),
        (error: Error) => {
          logger.error({ msg: 'shutdown failed', error: error.stack ?? error.message });
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

/**
 * After the drain delay (see handleShutdownSignals): stop accepting connections, let in-flight
 * requests and streams finish (bounded by SHUTDOWN_TIMEOUT_MS), then cut what is left. This runs first: Nest calls the shutdown hooks of
 * the root module before those of the global modules, so the usage recorder's and the budget
 * enforcer's final flushes (their beforeApplicationShutdown) see every request's record, and the
 * database closes last (onApplicationShutdown). test/e2e/lifecycle.e2e-spec.ts checks it.
 */
@Injectable()
export class GracefulShutdown implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Shutdown');

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly inFlight: InFlightRequests,
    private readonly config: AppConfig,
  ) {}

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (!server || !server.listening) return;
    this.logger.log({ msg: 'shutting down: draining requests', signal, inFlight: this.inFlight.size });
    server.close();
    server.closeIdleConnections();
    const drained = await this.inFlight.waitUntilIdle(this.config.shutdownTimeoutMs);
    if (!drained) {
      this.logger.warn({
        msg: 'shutdown timeout: closing remaining connections',
        inFlight: this.inFlight.size,
      });
    }
    server.closeAllConnections();
  }
}
