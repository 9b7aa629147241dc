import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createApp } from '../../../src/bootstrap';
import { loadAppConfig } from '../../../src/config/app-config';
import { createRootLogger, PinoNestLogger } from '../../../src/telemetry/logger';
import type { ChildMessage, ParentMessage } from './child-protocol';

/**
 * The gateway in a process of its own (started by gateway-process.ts through ts-node), so that
 * its event-loop delay is measured without the test runner's own work. Configuration comes
 * from the environment, as in main.ts; logs go to stdout as JSON lines, as in production.
 */
function send(message: ChildMessage): void {
  process.send?.(message);
}

/** Main-thread CPU time and run-queue wait so far (ms), from Linux's schedstat; null elsewhere. */
function threadTimes(): { runMs: number; waitMs: number } | null {
  try {
    const [run, wait] = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ').map(Number);
    return { runMs: run / 1e6, waitMs: wait / 1e6 };
  } catch {
    return null;
  }
}

/**
 * The longest stretch of main-thread work between two 5 ms ticks: how long the gateway's own
 * work kept the loop busy, whether or not the machine also made it wait for a CPU (wall-clock
 * loop delay counts both). Also the run-queue wait, which tells how starved the process was.
 */
class BusyMonitor {
  private timer: NodeJS.Timeout | undefined;
  private start: { runMs: number; waitMs: number } | null = null;
  private last: { runMs: number; waitMs: number } | null = null;
  maxBusyMs = 0;

  begin(): void {
    this.start = this.last = threadTimes();
    this.maxBusyMs = 0;
    this.timer = setInterval(() => {
      const now = threadTimes();
      if (now && this.last) this.maxBusyMs = Math.max(this.maxBusyMs, now.runMs - this.last.runMs);
      this.last = now;
    }, 5);
  }

  end(): { maxBusyMs: number | null; runMs: number | null; waitMs: number | null } {
    clearInterval(this.timer);
    const now = threadTimes();
    if (!now || !this.start) return { maxBusyMs: null, runMs: null, waitMs: null };
    return {
      maxBusyMs: this.maxBusyMs,
      runMs: now.runMs - this.start.runMs,
      waitMs: now.waitMs - this.start.waitMs,
    };
  }
}

async function main(): Promise<void> {
  const config = loadAppConfig(process.env);
  const app = await createApp(config, new PinoNestLogger(createRootLogger(config.logLevel)));
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  const loop = monitorEventLoopDelay({ resolution: 5 });
  const busy = new BusyMonitor();
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'measure') {
      loop.reset();
      loop.enable();
      busy.begin();
      send({ type: 'measuring' });
    } else if (message.type === 'report') {
      loop.disable();
      send({
        type: 'loop',
        maxMs: loop.max / 1e6,
        p99Ms: loop.percentile(99) / 1e6,
        meanMs: loop.mean / 1e6,
        rssMb: process.memoryUsage().rss / 2 ** 20,
        ...busy.end(),
      });
    } else if (message.type === 'close') {
      void app.close().then(() => process.exit(0));
    }
  });
  send({ type: 'ready', url: `http://127.0.0.1:${port}` });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : String(error));
  process.exit(1);
});
