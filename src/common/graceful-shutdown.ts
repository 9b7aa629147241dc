import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Server } from 'node:http';
import { AppConfig } from '../config/app-config';

/** Counts requests in flight (incremented by the request-context middleware). */
@Injectable()
export class InFlightRequests {
  private count = 0;
  private waiters: Array<() => void> = [];
  private readonly drainedPromise: Promise<void>;
  private markDrained!: () => void;

  constructor() {
    this.drainedPromise = new Promise((resolve) => {
      this.markDrained = resolve;
    });
  }

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

  /** Resolved once the HTTP server has drained at shutdown (work that must follow waits on it). */
  get httpDrained(): Promise<void> {
    return this.drainedPromise;
  }

  signalHttpDrained(): void {
    this.markDrained();
  }
}

/**
 * SIGTERM: stop accepting connections, let in-flight requests and streams finish (bounded by
 * SHUTDOWN_TIMEOUT_MS), then cut what is left. Usage flushing and database closing happen
 * after this, in onApplicationShutdown hooks.
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
    try {
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
    } finally {
      this.inFlight.signalHttpDrained();
    }
  }
}
