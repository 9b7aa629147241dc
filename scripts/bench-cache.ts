/**
 * Benchmarks the semantic cache's lookup (npm run bench:cache): one tenant with 100,000 entries
 * in one context (the worst case: every entry in one HNSW graph), then lookups of paraphrased
 * and unseen questions through SemanticCache.lookup — embedding the query (lexical embedder),
 * graph search, exact re-scoring and the guards. Reports p50/p99/max per lookup and the build
 * time. `--entries N` changes the size.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import type { CachedCompletion } from '../src/caching/caching.types';
import { LexicalEmbedder } from '../src/caching/semantic/lexical-embedder';
import { SemanticCache } from '../src/caching/semantic/semantic-cache';
import { semanticKey } from '../src/caching/semantic/semantic-key';

const WORDS = (
  'account password reset login email invoice payment refund order shipping delivery address phone ' +
  'subscription plan upgrade downgrade cancel trial discount coupon price tax receipt report export ' +
  'import file upload download folder share permission team member admin role api key token limit ' +
  'error timeout crash slow update install uninstall version mobile desktop browser chrome firefox ' +
  'safari windows mac linux android iphone notification setting language timezone currency profile'
).split(' ');

function question(i: number): string {
  let x = i * 2654435761;
  const pick = () => {
    x = (x ^ (x >>> 13)) * 1274126177;
    x ^= x >>> 16;
    return WORDS[Math.abs(x) % WORDS.length];
  };
  return `How do I ${pick()} my ${pick()} ${pick()} for ${pick()} ${pick()} item ${i}?`;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function main(): Promise<void> {
  const at = process.argv.indexOf('--entries');
  const entries = at >= 0 ? Number(process.argv[at + 1]) : 100_000;
  const cache = new SemanticCache(new LexicalEmbedder(), null, {
    limits: () => ({ maxEntries: entries + 1, maxBytes: 1e12 }),
    pollIntervalMs: 1_000,
  });
  const answer: CachedCompletion = {
    completion: {
      id: 'x',
      object: 'chat.completion',
      created: 1,
      model: 'gpt-4o-mini',
      choices: [{ index: 0, message: { role: 'assistant', content: 'An answer.' }, finish_reason: 'stop' }],
    },
    provider: 'openai',
    model: 'gpt-4o-mini',
    costNano: 1,
  };
  const settings = { threshold: 0.94, guards: true, ttlSeconds: 86_400 };
  const request = (text: string) => ({
    messages: [{ role: 'user' as const, content: text }],
    temperature: 0,
  });
  const buildStart = performance.now();
  for (let i = 0; i < entries; i++) {
    const key = semanticKey('tenant', 'gpt-4o-mini', request(question(i)))!;
    const { vectors } = await cache.embedder.embed([key.query]);
    await cache.put('tenant', key, vectors[0], answer, settings);
  }
  const buildMs = performance.now() - buildStart;
  const heapMb = process.memoryUsage().rss / 1e6;
  const run = async (label: string, texts: string[]) => {
    for (const text of texts.slice(0, 200))
      await cache.lookup('tenant', semanticKey('tenant', 'gpt-4o-mini', request(text))!, settings);
    const times: number[] = [];
    const cpu: number[] = [];
    let hits = 0;
    for (const text of texts) {
      const key = semanticKey('tenant', 'gpt-4o-mini', request(text))!;
      const cpuStart = process.cpuUsage();
      const start = performance.now();
      const result = await cache.lookup('tenant', key, settings);
      times.push(performance.now() - start);
      const used = process.cpuUsage(cpuStart);
      cpu.push((used.user + used.system) / 1000);
      if (result.kind === 'hit') hits++;
    }
    times.sort((a, b) => a - b);
    cpu.sort((a, b) => a - b);
    // Wall time includes preemption on a loaded machine; CPU time is the lookup's own work.
    console.log(
      `${label.padEnd(34)} n=${texts.length}  wall p50 ${quantile(times, 0.5).toFixed(3)} ms  p99 ${quantile(times, 0.99).toFixed(3)} ms | CPU p50 ${quantile(cpu, 0.5).toFixed(3)} ms  p99 ${quantile(cpu, 0.99).toFixed(3)} ms | hits ${hits}`,
    );
  };
  console.log(
    `entries: ${entries} in one tenant and one context; built in ${(buildMs / 1000).toFixed(1)} s; RSS ${heapMb.toFixed(0)} MB; load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores`,
  );
  const n = 5_000;
  await run(
    'lookup, stored question',
    Array.from({ length: n }, (_, i) => question((i * 7919) % entries)),
  );
  await run(
    'lookup, reworded (lower case, no ?)',
    Array.from({ length: n }, (_, i) =>
      question((i * 104729) % entries)
        .toLowerCase()
        .replace('?', ''),
    ),
  );
  await run(
    'lookup, unseen question',
    Array.from({ length: n }, (_, i) => question(entries + i)),
  );
}

void main();
