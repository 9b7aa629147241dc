import { Counter, Histogram } from 'prom-client';
import { costNanoUsd } from '../src/common/pricing';
import { estimatePromptTokens } from '../src/common/token-estimator';
import { ChatRequestPipe } from '../src/chat/chat-request.pipe';
import type { ChatCompletionRequest } from '../src/common/openai/chat.types';
import { loadAppConfig } from '../src/config/app-config';
import { benchmarkRequest, runIntentBenchmark } from '../src/intent/intent-benchmark';
import { IntentService } from '../src/intent/intent.service';
import { loadLanguageDetector } from '../src/intent/language';
import { loadBundledIntentModel } from '../src/intent/model/bundled-model';
import { ModelCatalog } from '../src/routing/model-catalog';
import { buildRoutingInput } from '../src/routing/routing-input';
import { RoutingPolicyService } from '../src/routing/routing-policy';
import { RoutingThresholdState } from '../src/routing/routing-thresholds';
import { RoutingService } from '../src/routing/routing.service';
import type { ProviderAvailability } from '../src/providers/provider.types';
import { telemetryMicroBenchmarks } from './micro-telemetry';
import { SampleBuffer, summarize } from './stats';
import { gatewayRequest } from './workload';

/**
 * In-process micro-benchmarks of the per-request steps that are pure computation: intent
 * classification (what IntentService does locally: features, trained model, language
 * detection), the routing decision (RoutingService.decide, metric included) and cost
 * estimation (estimatePromptTokens + costNanoUsd), on the bench's short prompt and on the intent
 * module's ~2,000-token prompt. Wall-clock percentiles per call plus the mean CPU time per call
 * (process.cpuUsage), which preemption on a busy machine does not inflate.
 */

export interface MicroResult {
  name: string;
  iterations: number;
  p50Us: number;
  p99Us: number;
  meanUs: number;
  cpuMeanUs: number;
}

export interface MicroReport {
  results: MicroResult[];
  /** The intent module's own benchmark of the long prompt (src/intent/intent-benchmark.ts). */
  intentModuleLines: string[];
  notes: string[];
}

function timeIt(name: string, iterations: number, warmup: number, fn: () => unknown): MicroResult {
  for (let i = 0; i < warmup; i++) fn();
  const samples = new SampleBuffer(iterations);
  const cpu = process.cpuUsage();
  for (let i = 0; i < iterations; i++) {
    const start = process.hrtime.bigint();
    fn();
    samples.push(Number(process.hrtime.bigint() - start) / 1_000);
  }
  const used = process.cpuUsage(cpu);
  const stats = summarize(samples.values());
  return {
    name,
    iterations,
    p50Us: stats.p50,
    p99Us: stats.p99,
    meanUs: stats.mean,
    cpuMeanUs: (used.user + used.system) / iterations,
  };
}

const NOT_COLLECTED = { registers: [] };

export async function runMicroBenchmarks(scale = 1): Promise<MicroReport> {
  const iterations = Math.max(200, Math.round(5_000 * scale));
  const warmup = Math.max(100, Math.round(1_000 * scale));
  const notes: string[] = [];
  // Enhanced mode has the same intent features as production (trained model + language) and
  // validates without DATABASE_URL/REDIS_URL. TEST_MODE keeps the LLM fallback out.
  const config = loadAppConfig({
    MODE: 'enhanced',
    TEST_MODE: 'true',
    LOG_LEVEL: 'error',
    DATA_DIR: ':memory:',
  });
  const model = loadBundledIntentModel();
  const intent = new IntentService(
    config,
    new Counter({
      name: 'bench_intent_total',
      help: 'bench',
      labelNames: ['label', 'method'],
      ...NOT_COLLECTED,
    }),
    new Histogram({ name: 'bench_intent_seconds', help: 'bench', labelNames: ['method'], ...NOT_COLLECTED }),
    model,
    null,
  );
  await intent.onModuleInit();
  const detector = await loadLanguageDetector();
  if (!detector) notes.push('language detection (eld) could not be loaded: intent timings exclude it');

  const short = gatewayRequest(false);
  const long = benchmarkRequest();
  const results: MicroResult[] = [];
  results.push(timeIt('intent: short prompt', iterations, warmup, () => intent.classifyLocal(short)));
  results.push(timeIt('intent: ~2,000-token prompt', iterations, warmup, () => intent.classifyLocal(long)));
  // The same without the language signal (eld): what language detection costs per request.
  const noLanguage = new IntentService(
    config,
    new Counter({
      name: 'bench_intent2_total',
      help: 'bench',
      labelNames: ['label', 'method'],
      ...NOT_COLLECTED,
    }),
    new Histogram({ name: 'bench_intent2_seconds', help: 'bench', labelNames: ['method'], ...NOT_COLLECTED }),
    model,
    null,
  );
  results.push(
    timeIt('intent: short prompt, no language detection', iterations, warmup, () =>
      noLanguage.classifyLocal(short),
    ),
  );

  // Body validation of /v1/chat/completions (known fields only + class-validator).
  const pipe = new ChatRequestPipe(config);
  results.push(
    timeIt('request validation (ChatRequestPipe): short', iterations, warmup, () => pipe.transform(short)),
  );
  results.push(
    timeIt('request validation (ChatRequestPipe): ~2,000 tokens', iterations, warmup, () =>
      pipe.transform(long),
    ),
  );

  const catalog = ModelCatalog.load(config.routing.modelsFile);
  const policies = RoutingPolicyService.load(config.routing.routingFile, catalog);
  const routing = new RoutingService(
    catalog,
    policies,
    new Counter({
      name: 'bench_routing_total',
      help: 'bench',
      labelNames: ['intent', 'provider', 'model', 'reason'],
      ...NOT_COLLECTED,
    }),
    new RoutingThresholdState(config),
  );
  // The bench's setup: only OpenAI configured, no open circuit.
  const availability: ProviderAvailability = {
    isProviderConfigured: (provider) => provider === 'openai',
    isCircuitOpen: () => false,
  };
  const routeOf = (request: ChatCompletionRequest) => {
    const classified = intent.classifyLocal(request);
    const tokens = estimatePromptTokens(request);
    return buildRoutingInput(request, classified, tokens, null);
  };
  const shortInput = routeOf(short);
  const longInput = routeOf(long);
  results.push(
    timeIt('routing: input + decision (short)', iterations, warmup, () => {
      const input = buildRoutingInput(short, shortInput.intent, shortInput.estimatedPromptTokens, null);
      return routing.decide(input, availability);
    }),
  );
  results.push(
    timeIt('routing: input + decision (~2,000 tokens)', iterations, warmup, () => {
      const input = buildRoutingInput(long, longInput.intent, longInput.estimatedPromptTokens, null);
      return routing.decide(input, availability);
    }),
  );

  const spec = catalog.resolve(routing.decide(shortInput, availability).target?.model ?? 'gpt-4o-mini');
  if (!spec) throw new Error('the routed model is not in the catalog');
  const cost = (request: ChatCompletionRequest) => {
    const promptTokens = estimatePromptTokens(request);
    return costNanoUsd(spec.pricing, { promptTokens, completionTokens: spec.max_output_tokens });
  };
  results.push(timeIt('cost estimate: tokens + price (short)', iterations, warmup, () => cost(short)));
  results.push(timeIt('cost estimate: tokens + price (~2,000 tokens)', iterations, warmup, () => cost(long)));

  // Telemetry (metrics, then metrics + exported spans): CPU per request, async (exports).
  results.push(...(await telemetryMicroBenchmarks(iterations)));

  const intentModule = runIntentBenchmark({
    model,
    detectLanguage: detector,
    iterations: Math.max(200, Math.round(2_000 * scale)),
    warmup,
  });
  return { results, intentModuleLines: intentModule.lines, notes };
}
