/**
 * Shadow benchmark (docs/routing.md "Shadow classification and routing"): the CPU the shadow adds
 * to a live request, in process. The chat pipeline's shadow step (ShadowStep, with the real
 * ShadowRunner, candidate classifier and candidate routing) runs over routed calls of a varied
 * prompt set, with the shadow off and on at a 10 % sample; process.cpuUsage() is read around the
 * request-path part only (appliesTo + the awaited run as the conductor calls it: the sample draw
 * and the queueing), and separately
 * around the queue's later turns (the candidate classifier and routing decision of the sampled
 * calls, off the request path). Prints µs per request, the median of several rounds, and the load
 * average (the machine is shared).
 *
 *   npm run bench:shadow [-- --calls=20000 --rounds=7 --rate=0.1]
 */
import { loadavg } from 'node:os';
import type { DataSource } from 'typeorm';
import { ChatCall, newChatCall } from '../src/chat/pipeline/chat-call';
import { runTracedStep } from '../src/chat/pipeline/call-telemetry';
import { ShadowStep } from '../src/chat/pipeline/steps/shadow.step';
import type { ChatCompletionRequest } from '../src/common/openai/chat.types';
import { promptTokenCounts } from '../src/common/token-estimator';
import { loadAppConfig, type AppConfig } from '../src/config/app-config';
import { shadowClassifierFactory } from '../src/intent/shadow-classifier';
import type { ProviderExecutor, ProviderRegistry } from '../src/providers/provider.types';
import { ModelCatalog } from '../src/routing/model-catalog';
import { decideRoute } from '../src/routing/routing-decision';
import { buildRoutingInput } from '../src/routing/routing-input';
import { RoutingPolicyService } from '../src/routing/routing-policy';
import type { RoutingService } from '../src/routing/routing.service';
import { ShadowResultsLog } from '../src/routing/shadow/shadow-results-log.service';
import { ShadowRunner } from '../src/routing/shadow/shadow-runner';
import { ShadowSettingsService } from '../src/routing/shadow/shadow-settings.service';

function argument(name: string, fallback: string): string {
  const found = process.argv.find((arg) => arg.startsWith(`--${name}=`));
  return found ? found.slice(name.length + 3) : fallback;
}

const CALLS = Number(argument('calls', '20000'));
const ROUNDS = Number(argument('rounds', '7'));
const RATE = argument('rate', '0.1');
const BATCH = 500;
const TENANT = '7e57a000-0000-4000-8000-000000000018';

const PROMPTS: string[] = [
  'Write a Python function that parses ISO dates and explain the edge cases.',
  'Translate into French: the meeting moved to Thursday afternoon.',
  'hi there, how are you today?',
  'Extract name and age as JSON: Ann is 31, Bob is 42.',
  'Prove that the square root of 2 is irrational, step by step.',
  `Summarise this report: ${'The quarterly numbers were mixed across regions. '.repeat(40)}`,
  'Refactor this: function f(a){return a+1} and add tests.',
  'Compare the trade-offs of Postgres and SQLite for an embedded gateway.',
];

function configFor(enabled: boolean): AppConfig {
  return loadAppConfig({
    DATA_DIR: ':memory:',
    TEST_MODE: 'true',
    API_KEYS: 'mm_bench_key_000000000000000000000000',
    LOG_LEVEL: 'error',
    MODE: 'enhanced',
    SHADOW_ENABLED: String(enabled),
    SHADOW_SAMPLE_RATE: RATE,
    SHADOW_CLASSIFIER: 'heuristic',
    SHADOW_LOW_CONFIDENCE: '0.6',
  });
}

const availability = {
  isProviderConfigured: () => true,
  isCircuitOpen: () => false,
} as unknown as ProviderExecutor;

function buildStep(config: AppConfig, catalog: ModelCatalog, policies: RoutingPolicyService) {
  const db = { query: () => Promise.resolve([]) } as unknown as DataSource;
  const routing = {
    thresholds: {
      lowConfidence: config.intent.lowConfidence,
      minConfForDirect: config.intent.minConfForDirect,
    },
  } as RoutingService;
  const runner = new ShadowRunner(
    config,
    new ShadowSettingsService(config, db),
    new ShadowResultsLog(config, db),
    catalog,
    policies,
    routing,
    {} as ProviderRegistry,
    shadowClassifierFactory(config),
  );
  return { runner, step: new ShadowStep(runner, availability, null) };
}

/** Routed, answered calls (what the shadow step sees), each with its own request id. */
function calls(config: AppConfig, catalog: ModelCatalog, policies: RoutingPolicyService): ChatCall[] {
  const live = shadowClassifierFactory({
    ...config,
    shadow: { ...config.shadow, enabled: true, classifier: { ...config.shadow.classifier, mode: 'model' } },
  })!;
  const thresholds = {
    lowConfidence: config.intent.lowConfidence,
    minConfForDirect: config.intent.minConfForDirect,
  };
  return Array.from({ length: CALLS }, (_, i) => {
    const request: ChatCompletionRequest = {
      messages: [{ role: 'user', content: PROMPTS[i % PROMPTS.length] }],
    };
    const context = {
      requestId: `bench-${i}-${(i * 2654435761) >>> 0}`,
      principal: { tenantId: TENANT } as ChatCall['context']['principal'],
      startedAt: process.hrtime.bigint(),
      signal: new AbortController().signal,
    };
    const call = newChatCall('complete', request, context, { reportIntent: true, simulated: true });
    call.intent = live.classify(request);
    const tokens = promptTokenCounts(request);
    call.estimatedPromptTokens = tokens.estimate;
    call.promptTokens = tokens.upperBound;
    const input = buildRoutingInput(request, call.intent, tokens.estimate, null, false);
    call.plan = {
      decision: decideRoute(input, catalog, policies.policy, availability, thresholds),
      chain: [],
    };
    call.response = { kind: 'json', headers: {}, body: {} as never };
    return call;
  });
}

function cpuMicros(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return used.user + used.system;
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** One round: µs of request-path CPU per call, and µs of later queue CPU per call. */
async function round(step: ShadowStep, runner: ShadowRunner, all: ChatCall[]) {
  let hot = 0;
  let later = 0;
  for (let start = 0; start < all.length; start += BATCH) {
    const batch = all.slice(start, start + BATCH);
    const before = process.cpuUsage();
    // As the conductor runs it (runTracedStep: an awaited step; no span, tracing is off here).
    for (const call of batch) if (step.appliesTo(call)) await runTracedStep(step, call);
    hot += cpuMicros(before);
    const drained = process.cpuUsage();
    while (runner.enabled && (runner as unknown as { queue: { size: number } }).queue.size > 0) await tick();
    later += cpuMicros(drained);
  }
  return { hot: hot / all.length, later: later / all.length };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function main(): Promise<void> {
  const off = configFor(false);
  const on = configFor(true);
  const catalog = ModelCatalog.load(on.routing.modelsFile);
  const policies = RoutingPolicyService.load(on.routing.routingFile, catalog);
  const all = calls(on, catalog, policies);
  const variants = { off: buildStep(off, catalog, policies), on: buildStep(on, catalog, policies) };
  const load = loadavg();
  const results: Record<string, { hot: number[]; later: number[] }> = {
    off: { hot: [], later: [] },
    on: { hot: [], later: [] },
  };
  for (let r = 0; r < ROUNDS + 1; r++) {
    for (const name of ['off', 'on'] as const) {
      const { hot, later } = await round(variants[name].step, variants[name].runner, all);
      if (r === 0) continue; // warm-up
      results[name].hot.push(hot);
      results[name].later.push(later);
    }
  }
  const stats = variants.on.runner;
  const queue = (stats as unknown as { queue: { stats(): object } }).queue.stats();
  const fmt = (x: number) => x.toFixed(4);
  const added = median(results.on.hot) - median(results.off.hot);
  console.log(
    `shadow bench: ${CALLS} calls x ${ROUNDS} rounds, sample ${RATE}, classifier heuristic (live: model)`,
  );
  console.log(`  request path, shadow off : ${fmt(median(results.off.hot))} µs/request (median of rounds)`);
  console.log(`  request path, shadow on  : ${fmt(median(results.on.hot))} µs/request`);
  console.log(
    `  added to the live request: ${fmt(added)} µs = ${(added / 1000).toFixed(6)} ms (target ≤ 0.05 ms)`,
  );
  console.log(
    `  off the request path     : ${fmt(median(results.on.later))} µs/request amortised (${fmt(median(results.on.later) / Number(RATE))} µs per sampled request)`,
  );
  console.log(`  queue: ${JSON.stringify(queue)}`);
  console.log(
    `  load average (1/5/15 min) at start: ${load.map((x) => x.toFixed(2)).join(' / ')}; at end: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' / ')}`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
