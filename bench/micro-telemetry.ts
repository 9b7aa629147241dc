import { context, SpanKind, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { Request, Response } from 'express';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventEmitter } from 'node:events';
import { Counter, Histogram } from 'prom-client';
import type { ChatCompletionRequest } from '../src/common/openai/chat.types';
import { HttpTelemetry } from '../src/telemetry/http-telemetry';
import { completionResponse, genAiRequestAttributes, setGenAiResponse } from '../src/telemetry/gen-ai';
import type { MicroResult } from './micro';

/**
 * What telemetry costs one chat request, in-process, measured as CPU time (process.cpuUsage, which
 * preemption by other processes does not inflate) over many simulated requests:
 * - `metrics`: the HTTP telemetry middleware (no tracing SDK: its span is a no-op) on a stand-in
 *   request/response, plus the ~20 metric updates the pipeline makes for a routed, answered,
 *   uncached request (intent, routing, provider, the GenAI histograms, tokens and cost by
 *   provider and by tenant, cache lookup);
 * - `metrics + traces`: the same with the OpenTelemetry SDK started as TracingService starts it
 *   (batch processor, OTLP/HTTP JSON exporter) and the spans of a request: the server span, one
 *   per pipeline step (8), intent.classify and the GenAI client span with its attributes —
 *   exported to an HTTP sink in this process (its receiving CPU is counted too: an overestimate).
 * Every number is per request; the end-to-end counterpart is `--breakdown`.
 */
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

const tracer = trace.getTracer('modelmuxer');
const STEPS = [
  'classify',
  'route',
  'cache_lookup',
  'reserve',
  'execute',
  'account',
  'cache_store',
  'respond',
];
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

/** The spans the pipeline makes inside the request span (no-ops without an SDK). */
function pipelineSpans(): void {
  const parent = trace.getActiveSpan();
  if (!parent?.isRecording()) return;
  const inRequest = trace.setSpan(context.active(), parent);
  for (const step of STEPS) tracer.startSpan(`modelmuxer.${step}`, {}, inRequest).end();
  tracer.startSpan('intent.classify', { attributes: { 'intent.label': 'chat' } }, inRequest).end();
  const client = tracer.startSpan(
    'chat gpt-4o-mini',
    {
      kind: SpanKind.CLIENT,
      attributes: {
        ...genAiRequestAttributes(REQUEST, 'openai', 'gpt-4o-mini', 'https://api.openai.com/v1'),
        'modelmuxer.tenant.id': '00000000-0000-0000-0000-000000000001',
        'modelmuxer.tenant.name': 'bench',
        'modelmuxer.intent.label': 'chat',
        'modelmuxer.intent.confidence': 0.93,
        'modelmuxer.routing.reason': 'intent chat → gpt-4o-mini',
        'modelmuxer.cache.status': 'skip',
        'modelmuxer.budget.decision': 'reserved',
        'modelmuxer.retry': 0,
        'modelmuxer.fallback_index': 0,
      },
    },
    inRequest,
  );
  setGenAiResponse(client, completionResponse(COMPLETION));
  client.end();
  parent.setAttributes({ 'modelmuxer.cost_usd': 0.0000213, 'modelmuxer.fallbacks': 0 });
}

function oneRequest(): void {
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
  middleware(request, response, () => {
    pipelineSpans();
    updateMetrics();
  });
  response.emit('finish');
}

/** CPU per request over `iterations` requests, yielding to the loop every 100 (exports run then). */
async function cpuPerRequest(
  name: string,
  iterations: number,
  settle: () => Promise<void>,
): Promise<MicroResult> {
  for (let i = 0; i < 200; i++) oneRequest();
  await settle();
  const cpu = process.cpuUsage();
  const wall = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) {
    oneRequest();
    if (i % 100 === 99) await new Promise((resolve) => setImmediate(resolve));
  }
  await settle();
  const used = process.cpuUsage(cpu);
  const meanUs = Number(process.hrtime.bigint() - wall) / 1_000 / iterations;
  const cpuMeanUs = (used.user + used.system) / iterations;
  return { name, iterations, p50Us: Number.NaN, p99Us: Number.NaN, meanUs, cpuMeanUs };
}

export async function telemetryMicroBenchmarks(iterations: number): Promise<MicroResult[]> {
  const results = [
    await cpuPerRequest('telemetry per request: metrics (no tracing)', iterations, async () => undefined),
  ];
  let received = 0;
  const sink = createServer((request, response) => {
    request.on('data', () => undefined);
    request.on('end', () => {
      received++;
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/v1/traces`;
  const sdk = new NodeSDK({ traceExporter: new OTLPTraceExporter({ url }), instrumentations: [] });
  sdk.start();
  try {
    const flush = async () => {
      const provider = trace.getTracerProvider() as {
        getDelegate?: () => { forceFlush?: () => Promise<void> };
      };
      await provider.getDelegate?.().forceFlush?.();
    };
    results.push(
      await cpuPerRequest(
        'telemetry per request: metrics + 11 spans exported (OTLP/HTTP)',
        iterations,
        flush,
      ),
    );
    if (received === 0)
      throw new Error('no span batch reached the sink: the traced measurement exported nothing');
  } finally {
    await sdk.shutdown();
    trace.disable();
    context.disable();
    await new Promise((resolve) => sink.close(resolve));
  }
  return results;
}
