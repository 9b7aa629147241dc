/**
 * Measures the provider layer's own cost (docs/providers.md, "Measurements"):
 *   npx ts-node --transpile-only test/providers/measure-overhead.ts
 * 1. pure translation per request (request + response, and per stream event);
 * 2. the adapter over loopback HTTP against the fake upstream, minus a bare undici request
 *    with the same body to the same fake (= what the adapter adds).
 */
import { Pool } from 'undici';
import { fixtureEvents, fixtureText } from '../fixtures/providers/load';
import { toAnthropicRequest } from '../../src/providers/anthropic/anthropic.request';
import { fromAnthropicResponse } from '../../src/providers/anthropic/anthropic.response';
import { AnthropicStreamTranslator } from '../../src/providers/anthropic/anthropic.stream';
import { MISTRAL_DIALECT } from '../../src/providers/mistral/mistral.adapter';
import { OPENAI_DIALECT } from '../../src/providers/openai/openai.request';
import { toOpenAICompatibleRequest } from '../../src/providers/openai-compatible/openai-compatible.request';
import { fromOpenAICompatibleResponse } from '../../src/providers/openai-compatible/openai-compatible.response';
import { OpenAICompatibleStreamTranslator } from '../../src/providers/openai-compatible/openai-compatible.stream';
import { simulateCompletion } from '../../src/providers/simulated/simulated.response';
import type { ProviderRequest } from '../../src/providers/provider.types';
import { callOptions, startAdapterHarness } from './harness';

const request: ProviderRequest = {
  model: 'model-x',
  messages: [
    { role: 'system', content: 'You are a helpful assistant that answers briefly.' },
    {
      role: 'user',
      content:
        'Write a haiku about connection pools and keep-alive sockets, then explain it in two sentences.',
    },
  ],
  temperature: 0.7,
  max_tokens: 256,
  tools: [
    {
      type: 'function',
      function: { name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } } } },
    },
  ],
};

function perOp(label: string, iterations: number, fn: () => void): void {
  for (let i = 0; i < 2000; i++) fn(); // warm-up
  const started = performance.now();
  for (let i = 0; i < iterations; i++) fn();
  const us = ((performance.now() - started) * 1000) / iterations;
  console.log(`${label.padEnd(58)} ${us.toFixed(2).padStart(8)} µs/op`);
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main(): Promise<void> {
  const openaiBody = fixtureText('openai/chat-completion.json');
  const anthropicBody = fixtureText('anthropic/message-tool-use.json');
  const mistralBody = fixtureText('mistral/chat-completion.json');
  const anthropicEvents = fixtureEvents('anthropic/stream-tool-use.sse');
  const openaiEvents = fixtureEvents('openai/stream-tool-calls.sse');

  console.log('— pure translation (request → JSON body, JSON body → completion) —');
  perOp('openai: request + response', 50_000, () => {
    JSON.stringify(toOpenAICompatibleRequest(request, OPENAI_DIALECT, false));
    fromOpenAICompatibleResponse(JSON.parse(openaiBody), OPENAI_DIALECT, 'm', 1);
  });
  perOp('mistral: request + response', 50_000, () => {
    JSON.stringify(toOpenAICompatibleRequest(request, MISTRAL_DIALECT, false));
    fromOpenAICompatibleResponse(JSON.parse(mistralBody), MISTRAL_DIALECT, 'm', 1);
  });
  perOp('anthropic: request + response', 50_000, () => {
    JSON.stringify(toAnthropicRequest(request, false));
    fromAnthropicResponse(JSON.parse(anthropicBody), 1);
  });
  perOp(`anthropic stream: ${anthropicEvents.length} events → chunks (per stream)`, 20_000, () => {
    const t = new AnthropicStreamTranslator('m', 1);
    for (const e of anthropicEvents) t.onEvent(e);
    t.finish();
  });
  perOp(`openai stream: ${openaiEvents.length} events → chunks (per stream)`, 20_000, () => {
    const t = new OpenAICompatibleStreamTranslator(OPENAI_DIALECT, request, 1);
    for (const e of openaiEvents) t.onEvent(e);
    t.finish();
  });
  perOp('simulated provider: complete (tokenizer included)', 5_000, () => {
    simulateCompletion('openai', request, 1);
  });

  console.log('\n— over loopback HTTP: adapter vs bare undici request to the same fake —');
  const h = await startAdapterHarness();
  const direct = new Pool(h.fake.url, { connections: 8 });
  const payload = JSON.stringify({ ...request, stream: false });
  const rounds = 3000;
  for (const [key, path, headers] of [
    ['openai', '/openai/v1/chat/completions', { authorization: 'Bearer x' }],
    ['anthropic', '/anthropic/v1/messages', { 'x-api-key': 'x' }],
  ] as const) {
    const adapterTimes: number[] = [];
    const bareTimes: number[] = [];
    const bareBody = key === 'anthropic' ? JSON.stringify(toAnthropicRequest(request, false)) : payload;
    for (let i = 0; i < rounds; i++) {
      let t = performance.now();
      await h.adapters[key].complete(request, callOptions());
      adapterTimes.push(performance.now() - t);
      t = performance.now();
      const res = await direct.request({
        path,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: bareBody,
      });
      JSON.parse(await res.body.text());
      bareTimes.push(performance.now() - t);
    }
    const skip = 300; // warm-up
    const a = adapterTimes.slice(skip);
    const b = bareTimes.slice(skip);
    const mean = (v: number[]): number => v.reduce((s, x) => s + x, 0) / v.length;
    console.log(
      `${key.padEnd(10)} adapter p50 ${percentile(a, 50).toFixed(3)} ms, p99 ${percentile(a, 99).toFixed(3)} ms | bare p50 ${percentile(b, 50).toFixed(3)} ms, p99 ${percentile(b, 99).toFixed(3)} ms | mean added ${((mean(a) - mean(b)) * 1000).toFixed(0)} µs`,
    );
  }
  await direct.close();
  await h.close();
}

void main();
