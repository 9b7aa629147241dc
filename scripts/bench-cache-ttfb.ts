/**
 * Time to first byte of a cached stream (npm run bench:cache:ttfb): the gateway in-process
 * (enhanced mode, TEST_MODE simulator, embedded database), one question streamed once (stored),
 * then N streamed requests for it over a keep-alive HTTP connection — exact hits and semantic
 * hits (a paraphrase) — timing request start → first body byte, and request → [DONE].
 * `BENCH_ENV="USAGE_DURABLE_ACK=false&…"` overrides the gateway's settings (URL-encoded pairs).
 */
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { createApp } from '../src/bootstrap';
import { loadAppConfig } from '../src/config/app-config';

const KEY = 'mm-bench-key-0123456789';

/**
 * The client, run in a process of its own: in the gateway's process it would read the first
 * bytes only when the gateway's event loop is free, so work done after the first chunk was
 * written (e.g. an embedded-database statement, which runs on the event loop) would count as
 * time to first byte. Plain JavaScript for `node -e`; prints one JSON line of results.
 */
const CLIENT = `
const http = require('node:http');
const { performance } = require('node:perf_hooks');
const [port, key, n, question] = [Number(process.argv[1]), process.argv[2], Number(process.argv[3]), process.argv[4]];
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function stream(content) {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ model: 'gpt-4o-mini', temperature: 0, stream: true,
      stream_options: { include_usage: true }, messages: [{ role: 'user', content }] });
    const started = performance.now();
    let ttfb = 0;
    const req = http.request({ host: '127.0.0.1', port, path: '/v1/chat/completions', method: 'POST', agent,
      headers: { authorization: 'Bearer ' + key, 'content-type': 'application/json',
                 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.once('data', () => (ttfb = performance.now() - started));
      res.on('data', () => undefined);
      res.on('end', () => resolve({ ttfb, total: performance.now() - started, cache: String(res.headers['x-modelmuxer-cache']) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
(async () => {
  const first = await stream(question);
  const out = { first, runs: [] };
  for (const [label, text] of [['exact hit', question], ['semantic hit', 'Please ' + question.toLowerCase()]]) {
    for (let i = 0; i < 50; i++) await stream(text);
    const ttfb = [], total = [];
    let status = '';
    for (let i = 0; i < n; i++) { const r = await stream(text); ttfb.push(r.ttfb); total.push(r.total); status = r.cache; }
    ttfb.sort((a, b) => a - b); total.sort((a, b) => a - b);
    out.runs.push({ label, status, n, ttfb50: quantile(ttfb, 0.5), ttfb99: quantile(ttfb, 0.99),
                    total50: quantile(total, 0.5), total99: quantile(total, 0.99) });
  }
  agent.destroy();
  console.log(JSON.stringify(out));
})();
`;

function runClient(port: number, n: number, question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', CLIENT, String(port), KEY, String(n), question], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (data: Buffer) => (output += data.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(output) : reject(new Error(`client exited ${code}`))));
  });
}

async function main(): Promise<void> {
  const config = loadAppConfig({
    MODE: 'enhanced',
    TEST_MODE: 'true',
    DATA_DIR: ':memory:',
    API_KEYS: KEY,
    LOG_LEVEL: 'error',
    RATE_LIMIT_RPM: '0',
    ...(process.env.BENCH_ENV ? Object.fromEntries(new URLSearchParams(process.env.BENCH_ENV)) : {}),
  });
  const app = await createApp(config, false);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  const question = 'Write a short poem about the sea and the lighthouse keeper.';
  const n = Number(process.argv[process.argv.indexOf('--n') + 1]) || 500;
  const result = JSON.parse(await runClient(port, n, question)) as {
    first: { cache: string; ttfb: number };
    runs: Array<
      { label: string; status: string; n: number } & Record<
        'ttfb50' | 'ttfb99' | 'total50' | 'total99',
        number
      >
    >;
  };
  console.log(`first (stored): ${result.first.cache}, ttfb ${result.first.ttfb.toFixed(2)} ms`);
  for (const run of result.runs) {
    console.log(
      `${run.label.padEnd(13)} (${run.status}) n=${run.n}  TTFB p50 ${run.ttfb50.toFixed(2)} ms  p99 ${run.ttfb99.toFixed(2)} ms  | to [DONE] p50 ${run.total50.toFixed(2)} ms  p99 ${run.total99.toFixed(2)} ms`,
    );
  }
  await app.close();
}

void main();
