import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Server } from 'node:http';
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
 * SIGTERM: stop accepting connections, let in-flight requests and streams finish (bounded by
 * SHUTDOWN_TIMEOUT_MS), then cut what is left. This runs first: Nest calls the shutdown hooks of
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
