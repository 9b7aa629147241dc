import { ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import type { ChildMessage, LoopReport, ParentMessage, ProbeReport } from './child-protocol';

const ROOT = join(__dirname, '../../..');

/** A JSON log line the gateway wrote at error level or above (pino levels: 50 error, 60 fatal). */
export interface ErrorLog {
  level: number;
  msg?: string;
  [field: string]: unknown;
}

export interface GatewayProcess {
  url: string;
  /** Starts measuring the event-loop delay (a fresh histogram). */
  measure(): Promise<void>;
  /** Stops measuring and returns the figures. */
  report(): Promise<LoopReport>;
  /** Error-level log lines so far. */
  errorLogs: ErrorLog[];
  /** Whether the process is still running (a crash ends it). */
  alive(): boolean;
  close(): Promise<void>;
}

function nextMessage<T extends ChildMessage['type']>(
  child: ChildProcess,
  type: T,
  timeoutMs: number,
): Promise<Extract<ChildMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no "${type}" from the child in ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onMessage = (message: ChildMessage) => {
      if (message.type !== type) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(message as Extract<ChildMessage, { type: T }>);
    };
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`the child exited (code ${code}) before "${type}"`));
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

function collectErrorLogs(child: ChildProcess, into: ErrorLog[], stderr: string[]): void {
  let pending = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      try {
        const entry = JSON.parse(line) as ErrorLog;
        if (typeof entry.level === 'number' && entry.level >= 50) into.push(entry);
      } catch {
        into.push({ level: 50, msg: `non-JSON output: ${line.slice(0, 300)}` });
      }
    }
  });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => stderr.push(chunk));
}

/**
 * Starts the gateway in a child process (ts-node, transpile only) with `env` over a clean
 * environment, and resolves once it listens on a free port.
 */
export async function startGatewayProcess(
  env: Record<string, string>,
  bootTimeoutMs = 90_000,
): Promise<GatewayProcess> {
  const child = fork(join(__dirname, 'gateway-child.ts'), [], {
    cwd: ROOT,
    // HOSTILE_GATEWAY_NODE_FLAGS: extra Node flags for diagnosis (e.g. --trace-gc).
    execArgv: [
      '-r',
      'ts-node/register/transpile-only',
      ...(process.env.HOSTILE_GATEWAY_NODE_FLAGS ?? '').split(' ').filter(Boolean),
    ],
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const errorLogs: ErrorLog[] = [];
  const stderr: string[] = [];
  collectErrorLogs(child, errorLogs, stderr);
  let exited = false;
  child.once('exit', () => (exited = true));
  const ask = (message: ParentMessage) => child.send(message);
  let ready: { url: string };
  try {
    ready = await nextMessage(child, 'ready', bootTimeoutMs);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n${stderr.join('').slice(-2000)}`);
  }
  return {
    url: ready.url,
    errorLogs,
    alive: () => !exited,
    async measure() {
      const started = nextMessage(child, 'measuring', 10_000);
      ask({ type: 'measure' });
      await started;
    },
    async report() {
      const report = nextMessage(child, 'loop', 10_000);
      ask({ type: 'report' });
      return report;
    },
    async close() {
      if (exited) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      ask({ type: 'close' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(timer);
    },
  };
}

export interface HealthProber {
  /** Stops probing and returns the slowest /health answer. */
  report(): Promise<ProbeReport>;
}

/** Probes GET /health from a process of its own every `intervalMs`; resolves after the first answer. */
export async function startHealthProber(url: string, intervalMs = 20): Promise<HealthProber> {
  const child = fork(join(__dirname, 'health-prober.ts'), [url], {
    cwd: ROOT,
    execArgv: ['-r', 'ts-node/register/transpile-only'],
    env: {
      PATH: process.env.PATH ?? '',
      PROBE_INTERVAL_MS: String(intervalMs),
      TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'),
    },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  await nextMessage(child, 'ready', 30_000);
  return {
    async report() {
      const report = nextMessage(child, 'probe', 10_000);
      child.send({ type: 'report' });
      return report;
    },
  };
}
