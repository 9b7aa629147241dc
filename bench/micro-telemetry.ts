import { context, propagation, trace } from '@opentelemetry/api';
import type { Sampler, SamplingResult } from '@opentelemetry/sdk-trace';
import type { Request, Response } from 'express';
import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { Counter, Histogram } from 'prom-client';
import type { ChatCompletionRequest } from '../src/common/openai/chat.types';
import { TRACE_SAMPLERS, EnvironmentVariables } from '../src/config/env.schema';
import type { ChatCall, ChatStep } from '../src/chat/pipeline/chat-call';
import { annotateCall, callAttributes, runTracedStep } from '../src/chat/pipeline/call-telemetry';
import { HttpTelemetry } from '../src/telemetry/http-telemetry';
import { completionResponse, setGenAiResponse, startGenAiClientSpan } from '../src/telemetry/gen-ai';
import type { SamplerSettings } from '../src/telemetry/sampler';
import { buildSampler, describeSampler } from '../src/telemetry/sampler';
import { recordingSpan } from '../src/telemetry/spans';
import { createTracingSdk } from '../src/telemetry/tracing.module';
import type { MicroResult } from './micro';

/**
 * What telemetry costs one chat request, in-process, measured as CPU time (process.cpuUsage, which
 * preemption by other processes does not inflate) over many simulated requests, through the
 * gateway's own telemetry code:
 * - `metrics`: the HTTP telemetry middleware (no tracing SDK: its span is a no-op) on a stand-in
 *   request/response, plus the ~20 metric updates the pipeline makes for a routed, answered,
 *   uncached request (intent, routing, provider, the GenAI histograms, tokens and cost by
 *   provider and by tenant, cache lookup);
 * - `traces at <sampler>`: the same with the OpenTelemetry SDK started as TracingService starts
 *   it (createTracingSdk: the sampler, the batch processor, OTLP/HTTP JSON export) and the 10
 *   spans of a sampled request, made by the gateway's helpers: the server span, one per pipeline
 *   step with a span (8 of 10, runTracedStep; intent and routing attributes on theirs), the GenAI
 *   client span (startGenAiClientSpan) with its attributes, the request span's summary
 *   (annotateCall). First at the documented default sampler (EnvironmentVariables'
 *   OTEL_TRACES_SAMPLER / _ARG), then at 100 %.
 * Spans are exported to an HTTP sink in a child process (as a collector would be: its receiving
 * CPU is not the gateway's), which counts them (the run fails when none arrive). Every number is
 * per request; the end-to-end counterpart is `--breakdown`.
 */
/** The names of the three rows (the bench's telemetry target reads them). */
export const TELEMETRY_ROWS = {
  metricsOnly: 'telemetry per request: metrics (no tracing)',
  defaultSampling: 'telemetry per request: traces at the default sampler',
  fullSampling: 'telemetry per request: traces at 100 %',
} as const;

const NOT_COLLECTED = { registers: [] };
const counter = (name: string, labelNames: string[]) =>
  new Counter({ name, help: 'bench', labelNames, ...NOT_COLLECTED });
const histogram = (name: string, labelNames: string[]) =>
  new Histogram({ name, help: 'bench', labelNames, ...NOT_COLLECTED });

const metrics = {
  intent: counter('bench_t_intent_total', ['label', 'method']),
  intentSeconds: histogram('bench_t_intent_seconds', ['method']),
  routing: counter('bench_t_routing_total', ['intent', 'provider', 'model', 'reason']),
  provider: counter('bench_t_provider_total', ['provider', 'model', 'outcome']),
  providerSeconds: histogram('bench_t_provider_seconds', ['provider', 'model']),
  genAi: histogram('bench_t_genai', [
    'gen_ai_operation_name',
    'gen_ai_provider_name',
    'gen_ai_request_model',
    'x',
  ]),
  tokens: counter('bench_t_tokens_total', ['provider', 'model', 'kind']),
  tenantTokens: counter('bench_t_tenant_tokens_total', ['tenant', 'model', 'kind']),
  cost: counter('bench_t_cost_total', ['provider', 'model']),
  tenantCost: counter('bench_t_tenant_cost_total', ['tenant', 'model']),
  cache: counter('bench_t_cache_total', ['result']),
};
const middleware = new HttpTelemetry(
  {
    requests: counter('bench_http_total', ['route', 'method', 'status', 'status_class', 'error_code']),
    duration: histogram('bench_http_seconds', ['route', 'method', 'status_class']),
  },
  false,
).middleware();

const REQUEST: ChatCompletionRequest = {
  model: 'gpt-4o-mini',
  temperature: 0.3,
  max_tokens: 64,
  messages: [{ role: 'user', content: 'Write a haiku about the sea.' }],
};
const COMPLETION = {
  id: 'chatcmpl-bench',
  object: 'chat.completion' as const,
  created: 0,
  model: 'gpt-4o-mini-2024-07-18',
  choices: [
    { index: 0, message: { role: 'assistant' as const, content: 'Waves.' }, finish_reason: 'stop' as const },
  ],
  usage: { prompt_tokens: 12, completion_tokens: 32, total_tokens: 44 },
};

function updateMetrics(): void {
  const model = { provider: 'openai', model: 'gpt-4o-mini' };
  const genAi = {
    gen_ai_operation_name: 'chat',
    gen_ai_provider_name: 'openai',
    gen_ai_request_model: 'gpt-4o-mini',
  };
  metrics.intent.inc({ label: 'chat', method: 'model' });
  metrics.intentSeconds.observe({ method: 'model' }, 0.00002);
  metrics.routing.inc({ intent: 'chat', ...model, reason: 'intent' });
  metrics.provider.inc({ ...model, outcome: 'ok' });
  metrics.providerSeconds.observe(model, 0.002);
  for (const [x, value] of [
    ['duration', 0.002],
    ['input', 12],
    ['output', 32],
    ['ttfc', 0.001],
  ] as const)
    metrics.genAi.observe({ ...genAi, x }, value);
  metrics.cache.inc({ result: 'skip' });
  for (const [kind, tokens] of [
    ['prompt', 12],
    ['completion', 32],
  ] as const) {
    metrics.tokens.inc({ ...model, kind }, tokens);
    metrics.tenantTokens.inc({ tenant: 'bench-tenant', model: model.model, kind }, tokens);
  }
  metrics.cost.inc(model, 0.0000213);
  metrics.tenantCost.inc({ tenant: 'bench-tenant', model: model.model }, 0.0000213);
}

/** What the steps' own telemetry does (the rest of their work is not telemetry). */
const STEP_WORK: Record<string, (call: ChatCall) => void> = {
  classify: () => {
    // IntentService.classify
    recordingSpan()?.setAttributes({
      'intent.label': 'chat',
      'intent.confidence': 0.93,
      'intent.method': 'model',
    });
  },
  route: () => {
    // RoutingService.decide
    recordingSpan()?.setAttributes({
      'modelmuxer.routing.kind': 'intent',
      'modelmuxer.routing.provider': 'openai',
      'modelmuxer.routing.model': 'gpt-4o-mini',
      'modelmuxer.routing.fallbacks': 1,
      'modelmuxer.routing.estimated_cost_usd': 0.0000213,
    });
  },
  execute: (call) => {
    // ExecuteStep + ProviderExecutorService (one successful attempt)
    const traced = call.span?.isRecording() === true;
    const span = startGenAiClientSpan({
      provider: 'openai',
      model: 'gpt-4o-mini',
      upstreamModel: 'gpt-4o-mini',
      request: REQUEST,
      baseUrl: 'https://api.openai.com/v1',
      retry: 0,
      fallbackIndex: 0,
      callAttributes: traced ? callAttributes(call) : undefined,
    });
    setGenAiResponse(span, completionResponse(COMPLETION));
    span.end();
    (call as { outcome: unknown }).outcome = { attempts: [{}], costNano: 21_300 };
  },
};
/** The steps of an answered, uncached JSON request in production mode (chat.module.ts). */
const STEPS: ChatStep[] = [
  'policy',
  'classify',
  'route',
  'cache_lookup',
  'reserve',
  'execute',
  'account',
  'cache_store',
  'respond',
  'decision_log',
].map((name) => ({
  name,
  appliesTo: () => true,
  run: (call: ChatCall) => {
    STEP_WORK[name]?.(call);
    return Promise.resolve();
  },
}));

function newCall(): ChatCall {
  return {
    span: trace.getActiveSpan() ?? null,
    request: REQUEST,
    context: { principal: { tenantId: '00000000-0000-0000-0000-000000000001', tenantName: 'bench' } },
    intent: { label: 'chat', confidence: 0.93, method: 'model' },
    plan: {
      decision: {
        reason: 'intent chat → gpt-4o-mini',
        kind: 'intent',
        target: { provider: 'openai', model: 'gpt-4o-mini' },
      },
    },
    cache: { status: 'MISS' },
    reservation: {},
    outcome: null,
  } as unknown as ChatCall;
}

async function pipeline(): Promise<void> {
  const call = newCall();
  if (call.span?.isRecording()) spansQueued += SPANS_PER_REQUEST;
  for (const step of STEPS) await runTracedStep(step, call);
  annotateCall(call);
  updateMetrics();
}

async function oneRequest(): Promise<void> {
  const request = Object.assign(new EventEmitter(), {
    method: 'POST',
    path: '/v1/chat/completions',
    headers: {},
    route: { path: '/v1/chat/completions' },
    id: 'r',
    startedAt: process.hrtime.bigint(),
  }) as unknown as Request;
  const response = Object.assign(new EventEmitter(), {
    statusCode: 200,
    writableFinished: true,
    locals: {},
    getHeader: () => undefined,
  }) as unknown as Response;
  let done!: Promise<void>;
  middleware(request, response, () => {
    done = pipeline();
  });
  await done;
  response.emit('finish');
}

/** Spans of a sampled request: server, 8 of the 10 steps, the GenAI client span. */
const SPANS_PER_REQUEST = 10;
let spansQueued = 0;

/**
 * CPU per request over `iterations` requests, 64 at a time (exports run between the batches).
 * This loop makes spans faster than a gateway serving 64 connections would (it does nothing
 * else): left alone, the batch processor (one export in flight, a queue of 2,048 spans) would
 * drop spans at 100 % sampling, and a dropped span costs less than an exported one. So once
 * 1,024 spans were made the loop waits for their export (batches of 512, the default).
 */
async function cpuPerRequest(
  name: string,
  iterations: number,
  settle: () => Promise<void>,
): Promise<MicroResult> {
  const batch = async () => {
    await Promise.all(Array.from({ length: 64 }, oneRequest));
    if (spansQueued < 1024) return void (await new Promise((resolve) => setImmediate(resolve)));
    spansQueued = 0;
    await settle();
  };
  for (let i = 0; i < 400; i += 64) await batch();
  await settle();
  const cpu = process.cpuUsage();
  const wall = process.hrtime.bigint();
  const batches = Math.ceil(iterations / 64);
  for (let i = 0; i < batches; i++) await batch();
  await settle();
  const used = process.cpuUsage(cpu);
  const requests = batches * 64;
  const meanUs = Number(process.hrtime.bigint() - wall) / 1_000 / requests;
  const cpuMeanUs = (used.user + used.system) / requests;
  return { name, iterations: requests, p50Us: Number.NaN, p99Us: Number.NaN, meanUs, cpuMeanUs };
}

/** A stand-in collector in its own process: answers OTLP/HTTP posts, counts the spans. */
const SINK = `
const http = require('node:http');
let spans = 0;
const server = http.createServer((req, res) => {
  if (req.method === 'GET') return res.end(String(spans));
  let body = '';
  req.on('data', (d) => (body += d));
  req.on('end', () => {
    spans += body.split('"spanId"').length - 1;
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
server.listen(0, '127.0.0.1', () => process.send(server.address().port));
process.on('disconnect', () => process.exit(0));
`;

async function startSink(): Promise<{ url: string; spans: () => Promise<number>; child: ChildProcess }> {
  const child = fork('-e', [SINK], { execArgv: ['-e', SINK], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message) => resolve(Number(message)));
    child.once('error', reject);
  });
  const base = `http://127.0.0.1:${port}`;
  return {
    url: `${base}/v1/traces`,
    spans: async () => Number(await (await fetch(base)).text()),
    child,
  };
}

/** One SDK for the traced runs (the gateway's module-level tracers keep the first one they see). */
class SwitchableSampler implements Sampler {
  current: Sampler = buildSampler({ name: 'always_off', ratio: 0 });
  shouldSample(...args: Parameters<Sampler['shouldSample']>): SamplingResult {
    return this.current.shouldSample(...args);
  }
  toString(): string {
    return `switchable(${this.current.toString()})`;
  }
}

export async function telemetryMicroBenchmarks(iterations: number): Promise<MicroResult[]> {
  const results = [await cpuPerRequest(TELEMETRY_ROWS.metricsOnly, iterations, async () => undefined)];
  const defaults = new EnvironmentVariables();
  if (!TRACE_SAMPLERS.includes(defaults.OTEL_TRACES_SAMPLER)) throw new Error('unknown default sampler');
  const sampler: SamplerSettings = {
    name: defaults.OTEL_TRACES_SAMPLER,
    ratio: defaults.OTEL_TRACES_SAMPLER_ARG,
  };
  const sink = await startSink();
  const switchable = new SwitchableSampler();
  const sdk = createTracingSdk({
    serviceName: 'bench',
    endpoint: sink.url,
    headers: {},
    sampler,
    samplerOverride: switchable,
  });
  sdk.start();
  const flush = async () => {
    const provider = trace.getTracerProvider() as {
      getDelegate?: () => { forceFlush?: () => Promise<void> };
    };
    await provider.getDelegate?.().forceFlush?.();
  };
  const run = async (settings: SamplerSettings, label: string) => {
    switchable.current = buildSampler(settings);
    const before = await sink.spans();
    results.push(await cpuPerRequest(label, iterations, flush));
    return (await sink.spans()) - before;
  };
  try {
    // Warm-up (not measured): the recording paths compiled by the JIT, the exporter's modules
    // loaded, its connection open — else the first traced run pays for them.
    switchable.current = buildSampler({ name: 'always_on', ratio: 1 });
    await cpuPerRequest('warm-up', Math.min(iterations, 2_000), flush);
    const sampled = await run(sampler, `${TELEMETRY_ROWS.defaultSampling} (${describeSampler(sampler)})`);
    const all = await run({ name: 'always_on', ratio: 1 }, `${TELEMETRY_ROWS.fullSampling} (always_on)`);
    // Every span of every request at 100 %; a run that exported nothing measured nothing.
    if (sampled === 0 || all < iterations * SPANS_PER_REQUEST)
      throw new Error(`the sink received ${sampled} + ${all} spans: the traced runs exported too little`);
  } finally {
    await sdk.shutdown();
    trace.disable();
    context.disable();
    propagation.disable();
    sink.child.disconnect();
  }
  return results;
}
