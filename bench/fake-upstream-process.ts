import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startFakeUpstream } from '../test/support/fake-upstream';
import type { FakeScenario, FakeUpstreamOptions } from '../test/support/fake-upstream';

/**
 * The benchmark's upstream, in a process of its own (forked by bench/run.ts) so that neither
 * the load generator nor the gateway shares its event loop: the fake upstream of the tests
 * (test/support/fake-upstream.ts, record: false) plus a minimal OTLP/HTTP sink, so the
 * gateway's tracing exports spans somewhere real instead of failing against a dead port.
 *
 * IPC with the parent:
 *   → { type: 'ready', url, openaiBaseUrl, otlpTracesUrl }
 *   ← { type: 'setDefault', scenario }   → { type: 'ack' }
 *   ← { type: 'stats' }                  → { type: 'stats', otlpRequests, otlpBytes }
 * The process exits when the parent disconnects.
 */

export interface FakeProcessOptions extends Pick<
  FakeUpstreamOptions,
  'latencyMs' | 'completionTokens' | 'chunkWords'
> {
  port?: number;
}

export type FakeProcessMessage =
  | { type: 'ready'; url: string; openaiBaseUrl: string; otlpTracesUrl: string }
  | { type: 'ack' }
  | { type: 'stats'; otlpRequests: number; otlpBytes: number };

export type FakeProcessCommand = { type: 'setDefault'; scenario: FakeScenario } | { type: 'stats' };

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '{}') as FakeProcessOptions;
  const fake = await startFakeUpstream({
    host: '127.0.0.1',
    port: options.port ?? 0,
    latencyMs: options.latencyMs,
    completionTokens: options.completionTokens,
    chunkWords: options.chunkWords,
    record: false,
  });

  let otlpRequests = 0;
  let otlpBytes = 0;
  const sink = createServer((req, res) => {
    req.on('data', (chunk: Buffer) => {
      otlpBytes += chunk.length;
    });
    req.on('end', () => {
      otlpRequests += 1;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': 2 });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  const sinkPort = (sink.address() as AddressInfo).port;

  const send = (message: FakeProcessMessage) => process.send?.(message);
  process.on('message', (command: FakeProcessCommand) => {
    if (command.type === 'setDefault') {
      fake.setDefault(command.scenario);
      send({ type: 'ack' });
    } else if (command.type === 'stats') {
      send({ type: 'stats', otlpRequests, otlpBytes });
    }
  });
  process.on('disconnect', () => {
    sink.close();
    void fake.close().then(() => process.exit(0));
  });
  send({
    type: 'ready',
    url: fake.url,
    openaiBaseUrl: fake.baseUrls.openai,
    otlpTracesUrl: `http://127.0.0.1:${sinkPort}/v1/traces`,
  });
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(`fake upstream failed: ${error instanceof Error ? error.stack : String(error)}`);
    process.exit(1);
  });
}
