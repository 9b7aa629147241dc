/**
 * Time to first byte of a cached stream (npm run bench:cache:ttfb): the gateway in-process
 * (enhanced mode, TEST_MODE simulator, embedded database), one question streamed once (stored),
 * then N streamed requests for it over a keep-alive HTTP connection — exact hits and semantic
 * hits (a paraphrase) — timing request start → first body byte, and request → [DONE].
 * `BENCH_ENV="USAGE_DURABLE_ACK=false&…"` overrides the gateway's settings (URL-encoded pairs).
 */
import { request as httpRequest, Agent } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { createApp } from '../src/bootstrap';
import { loadAppConfig } from '../src/config/app-config';

const KEY = 'mm-bench-key-0123456789';

function stream(
  port: number,
  agent: Agent,
  content: string,
): Promise<{ ttfb: number; total: number; cache: string }> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({
      model: 'gpt-4o-mini',
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content }],
    });
    const started = performance.now();
    let ttfb = 0;
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path: '/v1/chat/completions',
        method: 'POST',
        agent,
        headers: {
          authorization: `Bearer ${KEY}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        res.once('data', () => (ttfb = performance.now() - started));
        res.on('data', () => undefined);
        res.on('end', () =>
          resolve({
            ttfb,
            total: performance.now() - started,
            cache: String(res.headers['x-modelmuxer-cache']),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
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
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const question = 'Write a short poem about the sea and the lighthouse keeper.';
  const first = await stream(port, agent, question);
  console.log(`first (stored): ${first.cache}, ttfb ${first.ttfb.toFixed(2)} ms`);
  const n = Number(process.argv[process.argv.indexOf('--n') + 1]) || 500;
  for (const [label, text] of [
    ['exact hit', question],
    ['semantic hit', `Please ${question.toLowerCase()}`],
  ] as const) {
    for (let i = 0; i < 50; i++) await stream(port, agent, text); // warm-up
    const ttfb: number[] = [];
    const total: number[] = [];
    let status = '';
    for (let i = 0; i < n; i++) {
      const result = await stream(port, agent, text);
      ttfb.push(result.ttfb);
      total.push(result.total);
      status = result.cache;
    }
    ttfb.sort((a, b) => a - b);
    total.sort((a, b) => a - b);
    console.log(
      `${label.padEnd(13)} (${status}) n=${n}  TTFB p50 ${quantile(ttfb, 0.5).toFixed(2)} ms  p99 ${quantile(ttfb, 0.99).toFixed(2)} ms  | to [DONE] p50 ${quantile(total, 0.5).toFixed(2)} ms  p99 ${quantile(total, 0.99).toFixed(2)} ms`,
    );
  }
  agent.destroy();
  await app.close();
}

void main();
