import { availableParallelism, loadavg } from 'node:os';
import type { ChatCompletionRequest } from '../common/openai/chat.types';
import { classifyWithModel, classifyHeuristic } from './classifier';
import { extractFeatures } from './features';
import type { LanguageDetector } from './language';
import type { LinearIntentModel } from './model/linear-model';

/**
 * A latency benchmark of the local classification paths on a ~2,000-token prompt (prose with a
 * pasted code block and a question at the end, the shape of a long real prompt). Used by
 * `npm run eval:intent` and callable from bench/. Not a test: no assertion on timings.
 */
export interface IntentBenchmarkOptions {
  model?: LinearIntentModel;
  detectLanguage?: LanguageDetector;
  iterations?: number;
  warmup?: number;
}

export interface LatencySummary {
  name: string;
  iterations: number;
  /** CPU time per call (user + system), which preemption on a busy machine does not inflate. */
  cpuMeanUs: number;
  meanUs: number;
  p50Us: number;
  p99Us: number;
  maxUs: number;
}

export interface IntentBenchmarkResult {
  promptChars: number;
  summaries: LatencySummary[];
  lines: string[];
}

const PARAGRAPH =
  'Our platform ingests events from mobile clients, batches them in a queue and writes them to a columnar store every minute. ' +
  'During peak hours the consumer lags behind by several minutes, dashboards show stale numbers and the on-call engineer gets paged. ' +
  'We tried adding more consumers, but the partitions are unevenly loaded because the partition key is the customer id and a few customers produce most of the traffic. ';

const CODE = [
  '```python',
  'def consume(batch):',
  '    rows = []',
  '    for event in batch:',
  '        if event.get("type") not in ALLOWED:',
  '            continue',
  '        rows.append(normalize(event))',
  '    store.write(rows)',
  '    return len(rows)',
  '```',
].join('\n');

/** A ~2,000-token request (≈ 8,000 characters). */
export function benchmarkRequest(): ChatCompletionRequest {
  let body = '';
  while (body.length < 7_200) body += PARAGRAPH;
  const text = `${body}\n\nHere is the consumer:\n${CODE}\n\nWhy does the lag grow at peak, and what are the trade-offs of re-keying the partitions versus adding a second stage?`;
  return {
    model: 'auto',
    messages: [
      { role: 'system', content: 'You are a senior data engineer. Answer precisely.' },
      { role: 'user', content: text },
    ],
  };
}

function summarize(name: string, { samples, cpuUs }: Timing): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  let sum = 0;
  for (const s of samples) sum += s;
  return {
    name,
    iterations: samples.length,
    cpuMeanUs: cpuUs / samples.length,
    meanUs: sum / samples.length,
    p50Us: at(0.5),
    p99Us: at(0.99),
    maxUs: sorted[sorted.length - 1],
  };
}

interface Timing {
  samples: Float64Array;
  cpuUs: number;
}

function time(iterations: number, warmup: number, fn: () => unknown): Timing {
  for (let i = 0; i < warmup; i++) fn();
  const samples = new Float64Array(iterations);
  const cpu = process.cpuUsage();
  for (let i = 0; i < iterations; i++) {
    const start = process.hrtime.bigint();
    fn();
    samples[i] = Number(process.hrtime.bigint() - start) / 1_000;
  }
  const used = process.cpuUsage(cpu);
  // hrtime reads themselves cost ~0.1 µs each; negligible at this scale.
  return { samples, cpuUs: used.user + used.system };
}

export function runIntentBenchmark(options: IntentBenchmarkOptions = {}): IntentBenchmarkResult {
  const iterations = options.iterations ?? 5_000;
  const warmup = options.warmup ?? 1_000;
  const request = benchmarkRequest();
  const promptChars = request.messages.reduce(
    (n, m) => n + (typeof m.content === 'string' ? m.content.length : 0),
    0,
  );
  const summaries: LatencySummary[] = [];
  const model = options.model;
  summaries.push(
    summarize(
      'heuristic alone + safety detector',
      time(iterations, warmup, () => classifyHeuristic(extractFeatures(request), model)),
    ),
  );
  const detect = options.detectLanguage;
  if (detect) {
    summaries.push(
      summarize(
        'heuristic + language detection',
        time(iterations, warmup, () => {
          const features = extractFeatures(request);
          detect(features.lastUserText);
          return classifyHeuristic(features, model);
        }),
      ),
    );
  }
  if (model) {
    summaries.push(
      summarize(
        'trained model (every mode)',
        time(iterations, warmup, () => classifyWithModel(extractFeatures(request), model)),
      ),
    );
  }
  const load = loadavg()[0];
  const lines = [
    `latency on a ${promptChars}-character (~2,000-token) prompt, ${iterations} iterations after ${warmup} warm-up (load average ${load.toFixed(1)} on ${availableParallelism()} CPUs):`,
    ...summaries.map(
      (s) =>
        `  ${s.name.padEnd(34)} cpu ${s.cpuMeanUs.toFixed(1).padStart(6)} µs  wall: mean ${s.meanUs.toFixed(1).padStart(6)}  p50 ${s.p50Us.toFixed(1).padStart(6)}  p99 ${s.p99Us.toFixed(1).padStart(6)}  max ${s.maxUs.toFixed(0).padStart(5)} µs`,
    ),
  ];
  return { promptChars, summaries, lines };
}
