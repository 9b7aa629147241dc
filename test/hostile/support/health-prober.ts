import http from 'node:http';
import type { ParentMessage, ProbeReport } from './child-protocol';

/**
 * Asks GET /health every PROBE_INTERVAL_MS from a process of its own (so the test runner's work
 * does not count) and reports the slowest answer (an answer still awaited counts as it stands).
 */

const url = new URL('/health', process.argv[2]);
const intervalMs = Number(process.env.PROBE_INTERVAL_MS || 20);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
let maxMs = 0;
let count = 0;
let failures = 0;
let running = true;
let inFlightSince: bigint | null = null;

function probe(): void {
  if (!running) return;
  const started = process.hrtime.bigint();
  inFlightSince = started;
  const request = http.get(url, { agent, timeout: 5000 }, (response) => {
    response.resume();
    response.on('end', () => {
      inFlightSince = null;
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (response.statusCode !== 200) failures++;
      maxMs = Math.max(maxMs, ms);
      if (count++ === 0) process.send?.({ type: 'ready', url: url.toString() });
      setTimeout(probe, intervalMs);
    });
  });
  request.on('timeout', () => request.destroy(new Error('timeout')));
  request.on('error', () => {
    inFlightSince = null;
    failures++;
    setTimeout(probe, intervalMs);
  });
}

process.on('message', (message: ParentMessage) => {
  if (message.type === 'report') {
    running = false;
    if (inFlightSince !== null)
      maxMs = Math.max(maxMs, Number(process.hrtime.bigint() - inFlightSince) / 1e6);
    const report: ProbeReport = { type: 'probe', maxMs, count, failures };
    process.send?.(report);
    agent.destroy();
    process.exit(0);
  }
});
probe();
