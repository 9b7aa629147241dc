'use strict';
/**
 * Asks GET /health every PROBE_INTERVAL_MS on its own process (so the test runner's work does
 * not count) and reports the slowest answer. Plain JavaScript: no compilation, instant start.
 */
const http = require('node:http');

const url = new URL('/health', process.argv[2]);
const intervalMs = Number(process.env.PROBE_INTERVAL_MS || 20);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
let maxMs = 0;
let count = 0;
let failures = 0;
let running = true;

function probe() {
  if (!running) return;
  const started = process.hrtime.bigint();
  const request = http.get(url, { agent, timeout: 5000 }, (response) => {
    response.resume();
    response.on('end', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (response.statusCode !== 200) failures++;
      maxMs = Math.max(maxMs, ms);
      count++;
      setTimeout(probe, intervalMs);
    });
  });
  request.on('timeout', () => request.destroy(new Error('timeout')));
  request.on('error', () => {
    failures++;
    setTimeout(probe, intervalMs);
  });
}

process.on('message', (message) => {
  if (message.type === 'report') {
    running = false;
    process.send({ type: 'probe', maxMs, count, failures });
    agent.destroy();
    process.exit(0);
  }
});
probe();
