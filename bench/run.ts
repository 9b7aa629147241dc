import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import type { FakeScenario } from '../test/support/fake-upstream';
import { summarizeProfile, type CpuProfile, type ProfileSummary } from './cpu-profile';
import type { FakeProcessCommand, FakeProcessMessage, FakeProcessOptions } from './fake-upstream-process';
import {
  prepareStorage,
  provisionTenant,
  startGateway,
  type Gateway,
  type Provisioned,
  type Storage,
} from './gateway-process';
import { compareArrivals, probe, runLoad, type HttpTarget, type ProbeResult } from './load';
import { TELEMETRY_ROWS } from './micro-telemetry';
import { runMicroBenchmarks, type MicroReport } from './micro';
import { parseOptions, USAGE } from './options';
import { clockTicksPerSecond, readMachineCpu, sampleGroup } from './proc';
import {
  compareToDirect,
  evaluateTargets,
  fmt,
  groupKey,
  renderBreakdown,
  renderMarkdown,
  summarizeGroup,
  type BreakdownRow,
  type Comparison,
  type GroupKey,
  type GroupSummary,
  type PooledSamples,
  type RunRecord,
  type TargetName,
} from './report';
import { relativeSpread, SampleBuffer, slope, spread } from './stats';
import { directRequest, gatewayRequest, SHORT_PROMPT } from './workload';

/**
 * `npm run bench`: what ModelMuxer adds to every request (issue 7). See docs/performance.md.
 *
 *   1. micro-benchmarks (intent, routing, cost) in-process, before any load;
 *   2. the fake upstream (test/support/fake-upstream.ts) in its own process, with an OTLP sink;
 *   3. the gateway built from this tree (bench/.dist), production mode with every feature on
 *      (database key, rate limit, intent, routing, budget reservation, usage recording,
 *      metrics, tracing), Postgres/Redis from DATABASE_URL/REDIS_URL or the embedded fallback;
 *   4. autocannon at each concurrency, JSON and streaming, direct vs through the gateway,
 *      interleaved over several rounds (order alternating) so that the machine's noise hits
 *      both; CPU and RSS of the gateway from /proc; the same with WORKERS=2;
 *   5. optional: a CPU profile under load (--profile), a long soak (--soak);
 *   6. bench/results/<date>.json and a markdown table on stdout.
 */

const ADMIN_KEY = 'bench-admin-key-0123456789abcdef';
const HASH_SECRET = 'bench-api-key-hash-secret-0123456789abcdef';
const MB = 1024 * 1024;

interface FakeHandle {
  url: string;
  openaiBaseUrl: string;
  otlpTracesUrl: string;
  pid: number;
  command(command: FakeProcessCommand): Promise<FakeProcessMessage>;
  stop(): Promise<void>;
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

function log(line = ''): void {
  process.stdout.write(`${line}\n`);
}

/** A Postgres URL whose sessions start with `-c <setting>` (libpq's options parameter). */
function withPgOption(databaseUrl: string, setting: string): string {
  const url = new URL(databaseUrl);
  url.searchParams.set('options', `-c ${setting}`);
  return url.toString();
}

function gitState(): { commit: string; dirty: boolean } | null {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      encoding: 'utf8',
    });
    return { commit, dirty: status.trim() !== '' };
  } catch {
    return null;
  }
}

async function startFake(entry: string, options: FakeProcessOptions): Promise<FakeHandle> {
  const child: ChildProcess = fork(entry, [JSON.stringify(options)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<Extract<FakeProcessMessage, { type: 'ready' }>>((resolveReady, reject) => {
    child.once('message', (message: FakeProcessMessage) => {
      if (message.type === 'ready') resolveReady(message);
      else reject(new Error(`fake upstream: unexpected ${message.type}`));
    });
    child.once('exit', (code) => reject(new Error(`fake upstream exited (${code})`)));
  });
  return {
    ...ready,
    pid: child.pid!,
    command: (command) =>
      new Promise((resolveReply) => {
        child.once('message', (message: FakeProcessMessage) => resolveReply(message));
        child.send(command);
      }),
    stop: () =>
      new Promise((resolveStop) => {
        if (child.exitCode !== null) return resolveStop();
        child.once('exit', () => resolveStop());
        child.disconnect();
        setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
      }),
  };
}

interface MemoryComposition {
  heapUsedBytes: number;
  heapTotalBytes: number;
  externalBytes: number;
  /** Used bytes per V8 heap space (new, old, code, large_object…). */
  spacesUsedBytes: Record<string, number>;
}

/** The heap and external memory from prom-client's default Node metrics (null when unreadable). */
async function memoryComposition(url: string): Promise<MemoryComposition | null> {
  try {
    const text = await (await fetch(`${url}/metrics/prometheus`)).text();
    const value = (name: string): number => {
      const match = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, 'm').exec(text);
      return match ? Number(match[1]) : Number.NaN;
    };
    const spacesUsedBytes: Record<string, number> = {};
    for (const match of text.matchAll(/^nodejs_heap_space_size_used_bytes\{space="([^"]+)"\} ([0-9.e+]+)$/gm))
      spacesUsedBytes[match[1]] = Number(match[2]);
    return {
      heapUsedBytes: value('nodejs_heap_size_used_bytes'),
      heapTotalBytes: value('nodejs_heap_size_total_bytes'),
      externalBytes: value('nodejs_external_memory_bytes'),
      spacesUsedBytes,
    };
  } catch {
    return null;
  }
}

/** `nodejs_heap_size_used_bytes` from the gateway's Prometheus endpoint (null when unreadable). */
async function heapUsedBytes(url: string): Promise<number | null> {
  try {
    const response = await fetch(`${url}/metrics/prometheus`);
    const match = /^nodejs_heap_size_used_bytes(?:\{[^}]*\})? ([0-9.e+]+)$/m.exec(await response.text());
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

interface PhaseResult {
  workers: number;
  rounds: number;
  storage: Storage['kind'];
  startupMs: number;
  startupHeapBytes: number | null;
  /** The V8 heap and external memory after the load (one process), from the gateway's metrics. */
  memory: MemoryComposition | null;
  intent: { label: string | null; confidence: number | null; method: string; routedModel: string } | null;
  routedModel: string;
  rssAfterWarmupBytes: number | null;
  rssEndBytes: number | null;
  rssSeconds: number;
  /** CPU the gateway used while idle (during the direct runs): timers, metrics, flushes. */
  idleCpuMsPerSecond: number | null;
  flush: {
    ok: boolean;
    detail: string;
    direct: ProbeResult['arrivals'];
    gateway: ProbeResult['arrivals'];
  } | null;
  shutdown: { code: number | null; signal: string | null; ms: number };
  otlpSpansRequests: number | null;
}

interface SoakResult {
  seconds: number;
  connections: number;
  series: Array<{ t: number; rssBytes: number; rps: number; cpuMsPerRequest: number | null }>;
  startRssBytes: number;
  endRssBytes: number;
  maxRssBytes: number;
  slopeMbPerMinute: number;
  requests: number;
  failures: number;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2), process.env);
  if (options.help) {
    log(USAGE);
    return;
  }
  const started = Date.now();
  const distRoot = resolve(__dirname, '..');
  const gatewayEntry = join(distRoot, 'src', 'main.js');
  const fakeEntry = join(distRoot, 'bench', 'fake-upstream-process.js');
  const referenceEntry = join(distRoot, 'bench', 'reference-proxy.js');
  const preload = join(distRoot, 'bench', 'cpu-profile-preload.js');
  if (!existsSync('config/models.yaml')) throw new Error('run from the repository root (npm run bench)');
  if (!existsSync(gatewayEntry))
    throw new Error(`${gatewayEntry} is missing: build with tsc -p bench/tsconfig.json`);
  mkdirSync(options.outDir, { recursive: true });
  const stamp = new Date(started).toISOString().replace(/:/g, '-').replace(/\..*$/, '');
  // Outside the repository: at LOG_LEVEL=info the gateway writes an access line per request.
  const logFile = join(tmpdir(), `modelmuxer-bench-${stamp}.gateway.log`);
  const ticks = clockTicksPerSecond();
  const ncpu = availableParallelism();
  const notes: string[] = [];
  const cleanups: Array<() => Promise<void>> = [];
  const runCleanups = async () => {
    while (cleanups.length > 0)
      await cleanups.pop()!().catch((e: Error) => console.error(`cleanup: ${e.message}`));
  };
  process.once('SIGINT', () => {
    console.error('\ninterrupted: cleaning up');
    void runCleanups().then(() => process.exit(130));
  });

  const git = gitState();
  log(`# ModelMuxer benchmark — ${new Date(started).toISOString()}`);
  log(
    `node ${process.version}, ${ncpu} CPUs (${cpus()[0]?.model ?? '?'}), load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}` + (git ? `, commit ${git.commit}${git.dirty ? ' + uncommitted changes' : ''}` : ''),
  );
  const production = Boolean(options.databaseUrl && options.redisUrl);
  if (!production) {
    const banner = [
      '',
      '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
      '!! DATABASE_URL and/or REDIS_URL are not set: falling back to the EMBEDDED     !!',
      '!! defaults (enhanced mode, PGlite in a temp DATA_DIR, in-memory rate limits). !!',
      '!! These are NOT production-mode figures, and WORKERS>1 cannot be measured.    !!',
      '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
      '',
    ];
    for (const line of banner) console.warn(line);
    notes.push(
      'EMBEDDED FALLBACK: DATABASE_URL/REDIS_URL were not set; enhanced mode with PGlite, not production mode.',
    );
  }

  /* ---------------------------------------------------------------- 1. micro-benchmarks */
  log('\n## micro-benchmarks (in-process)');
  const micro: MicroReport = await runMicroBenchmarks(options.microScale);
  for (const m of micro.results) {
    log(
      `  ${m.name.padEnd(46)} p50 ${fmt(m.p50Us, 1).padStart(7)} µs  p99 ${fmt(m.p99Us, 1).padStart(7)} µs  cpu ${fmt(m.cpuMeanUs, 1).padStart(7)} µs`,
    );
  }
  for (const line of micro.intentModuleLines) log(`  ${line}`);
  notes.push(...micro.notes);

  /* ---------------------------------------------------------------- 2. fake upstream */
  const fakeOptions: FakeProcessOptions = {
    port: options.upstreamPort,
    latencyMs: options.upstreamLatencyMs,
    completionTokens: options.completionTokens,
  };
  const fake = await startFake(fakeEntry, fakeOptions);
  cleanups.push(() => fake.stop());
  log(
    `\nfake upstream ${fake.url} (pid ${fake.pid}; latency ${options.upstreamLatencyMs} ms, ${options.completionTokens}-word answers)`,
  );

  const storage = await prepareStorage(options.databaseUrl, options.redisUrl);
  cleanups.push(() => storage.cleanup());
  log(`storage: ${storage.describe}`);

  const gatewayEnv: Record<string, string> = {
    ...storage.env,
    ADMIN_API_KEY: ADMIN_KEY,
    API_KEY_HASH_SECRET: HASH_SECRET,
    OPENAI_API_KEY: 'sk-fake-openai',
    OPENAI_BASE_URL: fake.openaiBaseUrl,
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: fake.otlpTracesUrl,
    // One tenant drives all the load: the per-tenant fairness caps are not what is measured.
    TENANT_MAX_IN_FLIGHT: '0',
    TENANT_MAX_STREAMS: '0',
  };

  const records: RunRecord[] = [];
  const pooled = new Map<string, PooledSamples>();
  const phases: PhaseResult[] = [];
  let provisioned: Provisioned | null = null;
  let profile: { file: string; summary: ProfileSummary } | null = null;
  let soak: SoakResult | null = null;
  /** Gateway CPU while the direct runs load only the fake (its background work). */
  const idle: Array<{ cpuMs: number; wallMs: number }> = [];

  const launch = async (workers: number, profileDir?: string, envOverrides: Record<string, string> = {}) => {
    const t0 = Date.now();
    const gateway = await startGateway({
      entry: gatewayEntry,
      env: { ...gatewayEnv, BENCH_CPU_PROFILE_INTERVAL_US: '500', ...envOverrides },
      workers,
      logFile,
      logLevel: options.logLevel,
      profileDir,
      profilePreload: profileDir ? preload : undefined,
    });
    const stop = async () => {
      const result = await gateway.stop();
      return { code: result.code, signal: result.signal, ms: result.ms };
    };
    let stopped: ReturnType<typeof stop> | null = null;
    const stopOnce = () => (stopped ??= stop());
    cleanups.push(async () => {
      await stopOnce();
    });
    const startupMs = Date.now() - t0;
    // Heap in use at ready, before any request (one process: the workers of a cluster each have one).
    const startupHeapBytes = workers === 1 ? await heapUsedBytes(gateway.url) : null;
    provisioned ??= await provisionTenant(gateway.url, ADMIN_KEY);
    return { gateway, startupMs, startupHeapBytes, stop: stopOnce };
  };

  const targetsFor = (
    gateway: Gateway,
    key: Provisioned,
    routedModel: string,
    stream: boolean,
  ): Record<TargetName, HttpTarget | null> => ({
    direct: {
      url: `${fake.openaiBaseUrl}/chat/completions`,
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-fake-openai' },
      body: JSON.stringify(directRequest(stream, routedModel)),
    },
    gateway: {
      url: `${gateway.url}/v1/chat/completions`,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key.apiKey}` },
      body: JSON.stringify(gatewayRequest(stream)),
    },
    compare: options.compare
      ? {
          url: options.compare.url,
          headers: { 'content-type': 'application/json', ...options.compare.headers },
          body: JSON.stringify({ ...gatewayRequest(stream), model: options.compare.model ?? routedModel }),
        }
      : null,
  });

  interface RunSpec {
    workers: number;
    round: number;
    target: TargetName;
    http: HttpTarget;
    connections: number;
    stream: boolean;
    durationS: number;
    /** Processes whose CPU and RSS are the run's (the gateway, or a compared one); null: none. */
    accountPids: number[] | null;
    /** The gateway's processes, to measure its idle cost during direct runs. */
    gatewayPids: number[];
    label?: string;
  }

  /** One load run, with the CPU and RSS accounting around it; pooled into `into` when given. */
  const measure = async (
    spec: RunSpec,
    into: { records: RunRecord[]; pooled: Map<string, PooledSamples> } | null,
  ): Promise<RunRecord> => {
    const { workers, round, target, connections, stream } = spec;
    const machine0 = readMachineCpu();
    const a0 = spec.accountPids ? sampleGroup(spec.accountPids, ticks) : null;
    const g0 = sampleGroup(spec.gatewayPids, ticks);
    const f0 = sampleGroup([fake.pid], ticks);
    const self0 = process.cpuUsage();
    const wall0 = process.hrtime.bigint();
    const { result, samples } = await runLoad(spec.http, {
      connections,
      durationS: spec.durationS,
      ttfb: stream,
    });
    const wallMs = Number(process.hrtime.bigint() - wall0) / 1e6;
    const self = process.cpuUsage(self0);
    const machine1 = readMachineCpu();
    const a1 = spec.accountPids ? sampleGroup(spec.accountPids, ticks) : null;
    const g1 = sampleGroup(spec.gatewayPids, ticks);
    const f1 = sampleGroup([fake.pid], ticks);
    const cpuMs = a0 && a1 ? a1.cpuMs - a0.cpuMs : null;
    const fakeCpu = f1.cpuMs - f0.cpuMs;
    const gatewayCpu = g1.cpuMs - g0.cpuMs;
    let machineBusyCores: number | null = null;
    let otherBusyCores: number | null = null;
    if (machine0 && machine1 && machine1.totalTicks > machine0.totalTicks) {
      machineBusyCores =
        ((machine1.busyTicks - machine0.busyTicks) / (machine1.totalTicks - machine0.totalTicks)) * ncpu;
      const accounted = target === 'compare' && cpuMs !== null ? cpuMs : 0;
      const ours = (gatewayCpu + fakeCpu + (self.user + self.system) / 1000 + accounted) / wallMs;
      otherBusyCores = Math.max(0, machineBusyCores - ours);
    }
    const record: RunRecord = {
      workers,
      round,
      target,
      connections,
      stream,
      load: result,
      cpuMs,
      cpuMsPerRequest: cpuMs !== null && result.requests2xx > 0 ? cpuMs / result.requests2xx : null,
      rssBytes: a1 ? a1.rssBytes : null,
      upstreamCpuMsPerRequest: result.requests2xx > 0 ? fakeCpu / result.requests2xx : null,
      machineBusyCores,
      otherBusyCores,
    };
    if (target === 'direct') idle.push({ cpuMs: gatewayCpu, wallMs });
    if (into) {
      into.records.push(record);
      const key = groupKey({ workers, connections, stream, target });
      const pool = into.pooled.get(key) ?? {
        latency: new SampleBuffer(),
        ttfb: stream ? new SampleBuffer() : null,
      };
      pool.latency.pushAll(samples.latency);
      if (pool.ttfb && samples.ttfb) pool.ttfb.pushAll(samples.ttfb);
      into.pooled.set(key, pool);
    }
    log(
      `  [${spec.label ?? `×${workers}`} r${round}] ${stream ? 'stream' : 'json  '} c=${String(connections).padEnd(3)} ${target.padEnd(8)}` +
        ` ${fmt(result.rps, 0).padStart(6)} rps  p50 ${fmt(result.latency.p50, 3).padStart(7)}  p99 ${fmt(result.latency.p99, 3).padStart(7)} ms` +
        (result.ttfb ? `  ttfb p50 ${fmt(result.ttfb.p50, 3)} ms` : '') +
        (record.cpuMsPerRequest !== null ? `  cpu ${fmt(record.cpuMsPerRequest, 3)} ms/req` : '') +
        ` (bare ${fmt(record.upstreamCpuMsPerRequest, 3)})` +
        (record.rssBytes !== null ? `  rss ${fmt(record.rssBytes / MB, 0)} MB` : '') +
        (otherBusyCores !== null ? `  others ${fmt(otherBusyCores, 2)} cores` : ''),
    );
    await sleep(150);
    return record;
  };

  /* ---------------------------------------------------------------- 3–4. phases */
  for (const workers of options.workers) {
    if (workers > 1 && storage.kind === 'embedded') {
      const note = `WORKERS=${workers} skipped: several workers need DATABASE_URL (the embedded database is single-process).`;
      console.warn(`\n${note}`);
      notes.push(note);
      continue;
    }
    const rounds = workers === 1 ? options.rounds : options.clusterRounds;
    log(
      `\n## gateway ×${workers} (${storage.kind === 'embedded' ? 'enhanced, embedded' : 'production'} mode): ${rounds} interleaved rounds of ${options.durationS} s`,
    );
    idle.length = 0;
    const { gateway, startupMs, startupHeapBytes, stop } = await launch(workers);
    const key = provisioned!;
    log(
      `  ready in ${startupMs} ms at ${gateway.url} (pids ${gateway.pids().join(', ')})` +
        (startupHeapBytes === null ? '' : `; heap in use ${fmt(startupHeapBytes / MB, 1)} MB`),
    );

    // Smoke check: a routed answer with router metadata, and a complete stream.
    const smoke = await probe(targetsFor(gateway, key, 'gpt-4o-mini', false).gateway!);
    if (smoke.status !== 200)
      throw new Error(`gateway smoke request failed: ${smoke.status} ${smoke.body.slice(0, 300)}`);
    const routedModel = String(smoke.headers['x-modelmuxer-model'] ?? '');
    const smokeBody = JSON.parse(smoke.body) as { router_metadata?: unknown };
    if (!routedModel || !smokeBody.router_metadata)
      throw new Error('gateway answer without x-modelmuxer-model / router_metadata');
    const smokeStream = await probe(targetsFor(gateway, key, routedModel, true).gateway!);
    if (smokeStream.status !== 200 || !smokeStream.body.includes('data: [DONE]')) {
      throw new Error(`gateway smoke stream failed: ${smokeStream.status} ${smokeStream.body.slice(0, 300)}`);
    }
    const explainResponse = await fetch(`${gateway.url}/v1/router/explain`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key.apiKey}` },
      body: JSON.stringify(gatewayRequest(false)),
    });
    const explained = (await explainResponse.json()) as {
      intent?: { label: string | null; confidence: number | null; method: string };
    };
    const intent = explained.intent ? { ...explained.intent, routedModel } : null;
    log(
      `  routed to ${routedModel}; intent ${intent?.label ?? '?'} (${intent?.confidence ?? '?'}, ${intent?.method ?? '?'})`,
    );
    if (intent?.method === 'llm')
      notes.push('The bench prompt went to the LLM intent fallback: every request made two upstream calls.');

    const targets = (stream: boolean) => targetsFor(gateway, key, routedModel, stream);
    // Warm-up: JIT, connection pools, caches; not recorded.
    await runLoad(targets(false).gateway!, { connections: 16, durationS: options.warmupS, ttfb: false });
    await runLoad(targets(true).gateway!, {
      connections: 16,
      durationS: Math.max(1, options.warmupS / 2),
      ttfb: false,
    });
    await runLoad(targets(false).direct!, { connections: 16, durationS: 1, ttfb: false });
    const rssAfterWarmup = sampleGroup(gateway.pids(), ticks).rssBytes;
    const rssT0 = Date.now();

    let flip = 0;
    for (let round = 1; round <= rounds; round++) {
      for (const stream of [false, true]) {
        for (const connections of options.connections) {
          const available = targets(stream);
          const order: TargetName[] = [
            'direct',
            'gateway',
            ...(available.compare ? (['compare'] as const) : []),
          ];
          if (flip++ % 2 === 1) order.reverse();
          for (const target of order) {
            const accountPids =
              target === 'gateway'
                ? gateway.pids()
                : target === 'compare' && options.compare?.pid
                  ? [options.compare.pid]
                  : null;
            await measure(
              {
                workers,
                round,
                target,
                http: available[target]!,
                connections,
                stream,
                durationS: options.durationS,
                accountPids,
                gatewayPids: gateway.pids(),
              },
              { records, pooled },
            );
          }
        }
      }
    }
    const rssEnd = sampleGroup(gateway.pids(), ticks).rssBytes;
    const rssSeconds = (Date.now() - rssT0) / 1000;
    // What the resident memory is made of, right after the load (one process only).
    const memory = workers === 1 ? await memoryComposition(gateway.url) : null;
    if (memory)
      log(
        `  memory after load: heap ${fmt(memory.heapUsedBytes / MB, 0)} MB used of ${fmt(memory.heapTotalBytes / MB, 0)} MB ` +
          `(${Object.entries(memory.spacesUsedBytes)
            .filter(([, bytes]) => bytes >= MB)
            .map(([space, bytes]) => `${space} ${fmt(bytes / MB, 0)}`)
            .join(', ')}), external ${fmt(memory.externalBytes / MB, 0)} MB`,
      );

    let flush: PhaseResult['flush'] = null;
    if (workers === 1) {
      // 20 ms between upstream events: each must reach the client on its own, as it arrives.
      const scenario: FakeScenario = { chunkDelayMs: 20 };
      await fake.command({ type: 'setDefault', scenario });
      const direct = await probe(targets(true).direct!);
      const via = await probe(targets(true).gateway!);
      await fake.command({ type: 'setDefault', scenario: {} });
      const cmp = compareArrivals(direct, via);
      // An event held back until the next one would lag by the full 20 ms gap; scheduling
      // noise on a busy machine stays well under half of it.
      const ok = cmp.matched >= 3 && cmp.gatewayDeliveries >= cmp.directDeliveries && cmp.maxLagMs < 10;
      flush = {
        ok,
        detail: `${cmp.matched} events in ${cmp.gatewayDeliveries} separate deliveries via the gateway (${cmp.directDeliveries} direct); worst event lag ${fmt(cmp.maxLagMs, 2)} ms`,
        direct: direct.arrivals,
        gateway: via.arrivals,
      };
      log(`  stream flush check (20 ms between events): ${flush.detail} → ${ok ? 'ok' : 'NOT OK'}`);
    }
    const otlp = await fake.command({ type: 'stats' });
    const shutdown = await stop();
    log(`  stopped in ${shutdown.ms} ms (${shutdown.signal ?? `exit ${shutdown.code}`})`);
    const idleWall = idle.reduce((n, s) => n + s.wallMs, 0);
    phases.push({
      workers,
      rounds,
      storage: storage.kind,
      startupMs,
      startupHeapBytes,
      intent,
      routedModel,
      rssAfterWarmupBytes: rssAfterWarmup,
      rssEndBytes: rssEnd,
      rssSeconds,
      memory,
      idleCpuMsPerSecond: idleWall > 0 ? (idle.reduce((n, s) => n + s.cpuMs, 0) / idleWall) * 1000 : null,
      flush,
      shutdown,
      otlpSpansRequests: otlp.type === 'stats' ? otlp.otlpRequests : null,
    });
  }

  /* ---------------------------------------------------------------- 4b. feature breakdown */
  let breakdown: { connections: number; rows: BreakdownRow[] } | null = null;
  if (options.breakdown && storage.kind === 'embedded') {
    notes.push('--breakdown skipped: it runs several gateways at once, which needs DATABASE_URL.');
  } else if (options.breakdown) {
    const maxC = Math.max(...options.connections);
    log(
      `\n## feature breakdown: one gateway per variant, JSON at 1 and ${maxC} connections, ${options.rounds} interleaved rounds`,
    );
    const staticKey = 'bench-static-key-0123456789abcdef';
    const gatewayVariants: Record<string, Record<string, string>> = {
      full: {},
      // The same database with commits not waiting for the WAL flush (fsync) of each write.
      'async-commit': { DATABASE_URL: withPgOption(storage.env.DATABASE_URL, 'synchronous_commit=off') },
      'no-tracing': { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '' },
      // Telemetry off as far as configuration allows: no trace export, no access log (metrics stay).
      'no-telemetry': { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '', LOG_LEVEL: 'warn' },
      // Usage rows and budget settlements written in the background, not before the answer.
      'buffered-usage': { USAGE_DURABLE_ACK: 'false' },
      'no-intent': { ROUTER_INTENT_CLASSIFIER_ENABLED: 'false' },
      minimal: {
        MODE: 'basic',
        API_KEYS: staticKey,
        ROUTER_INTENT_CLASSIFIER_ENABLED: 'false',
        RATE_LIMIT_RPM: '0',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '',
      },
    };
    const launched = new Map<string, Awaited<ReturnType<typeof launch>>>();
    for (const [name, env] of Object.entries(gatewayVariants))
      launched.set(name, await launch(1, undefined, env));
    // The stack's own floor, beside the gateway: bare proxies with no gateway code
    // (bench/reference-proxy.ts), so the breakdown shows how much of the CPU per request is ours.
    for (const kind of ['nest-express', 'node-http'] as const) {
      const reference = await startGateway({
        entry: referenceEntry,
        env: { REFERENCE_KIND: kind, OPENAI_BASE_URL: fake.openaiBaseUrl, OPENAI_API_KEY: 'sk-fake-openai' },
        workers: 1,
        logFile,
        logLevel: options.logLevel,
      });
      const stop = async () => {
        const result = await reference.stop();
        return { code: result.code, signal: result.signal, ms: result.ms };
      };
      cleanups.push(async () => {
        await stop();
      });
      launched.set(`reference-${kind}`, { gateway: reference, startupMs: 0, startupHeapBytes: null, stop });
    }
    const full = launched.get('full')!.gateway;
    const keys = {
      full: provisioned!,
      noBudget: await provisionTenant(full.url, ADMIN_KEY, {
        name: 'bench-no-budget',
        rateLimitRpm: 1_000_000,
        budget: false,
      }),
      noLimit: await provisionTenant(full.url, ADMIN_KEY, {
        name: 'bench-no-limit',
        rateLimitRpm: 0,
        budget: true,
      }),
      static: { tenantId: '', keyId: '', apiKey: staticKey },
    };
    const routed = String(
      (await probe(targetsFor(full, keys.full, 'gpt-4o-mini', false).gateway!)).headers[
        'x-modelmuxer-model'
      ] ?? 'gpt-4o-mini',
    );
    const variants: Array<{ name: string; gateway: string; key: Provisioned }> = [
      { name: 'all features (production mode)', gateway: 'full', key: keys.full },
      { name: 'without budget reservation (no Postgres round trip)', gateway: 'full', key: keys.noBudget },
      { name: 'budget writes with synchronous_commit=off', gateway: 'async-commit', key: keys.full },
      {
        name: 'usage written after the answer (USAGE_DURABLE_ACK=false)',
        gateway: 'buffered-usage',
        key: keys.full,
      },
      { name: 'without rate limit (no Redis round trip)', gateway: 'full', key: keys.noLimit },
      { name: 'without trace export', gateway: 'no-tracing', key: keys.full },
      {
        name: 'without trace export and access log (metrics only)',
        gateway: 'no-telemetry',
        key: keys.full,
      },
      { name: 'without intent classification', gateway: 'no-intent', key: keys.full },
      {
        name: 'floor: basic mode, static key, no intent/limit/budget/tracing',
        gateway: 'minimal',
        key: keys.static,
      },
      {
        name: 'reference: NestJS + Express proxy, no gateway code (bench/reference-proxy.ts)',
        gateway: 'reference-nest-express',
        key: keys.static,
      },
      {
        name: 'reference: node:http + undici proxy, no gateway code',
        gateway: 'reference-node-http',
        key: keys.static,
      },
    ];
    const collected = variants.map(() => ({
      records: [] as RunRecord[],
      pooled: new Map<string, PooledSamples>(),
    }));
    for (const variant of variants) {
      await runLoad(targetsFor(launched.get(variant.gateway)!.gateway, variant.key, routed, false).gateway!, {
        connections: 16,
        durationS: Math.max(1, options.warmupS / 2),
        ttfb: false,
      });
    }
    for (let round = 1; round <= options.rounds; round++) {
      for (const connections of [...new Set([1, maxC])]) {
        // Rotate the order every round so that no variant always runs first or last.
        for (let k = 0; k < variants.length; k++) {
          const index = (k + round - 1) % variants.length;
          const variant = variants[index];
          const gateway = launched.get(variant.gateway)!.gateway;
          await measure(
            {
              workers: 1,
              round,
              target: 'gateway',
              http: targetsFor(gateway, variant.key, routed, false).gateway!,
              connections,
              stream: false,
              durationS: options.durationS,
              accountPids: gateway.pids(),
              gatewayPids: gateway.pids(),
              label: `v${index + 1}`,
            },
            collected[index],
          );
        }
      }
    }
    for (const { stop } of launched.values()) await stop();
    const rows: BreakdownRow[] = variants.map((variant, index) => {
      const { records: runs, pooled: pools } = collected[index];
      const at = (connections: number) => runs.filter((r) => r.connections === connections);
      const loaded = at(maxC);
      const cpu = loaded.reduce((n, r) => n + (r.cpuMs ?? 0), 0);
      const requests = loaded.reduce((n, r) => n + r.load.requests2xx, 0);
      const one = pools.get(groupKey({ workers: 1, connections: 1, stream: false, target: 'gateway' }));
      return {
        variant: variant.name,
        cpuMsPerRequest: requests > 0 ? cpu / requests : null,
        p50AtOneMs: one
          ? summarizeGroup({ workers: 1, connections: 1, stream: false, target: 'gateway' }, at(1), one)
              .latency.p50
          : null,
        upstreamCpuMsPerRequest: spread(loaded.map((r) => r.upstreamCpuMsPerRequest ?? Number.NaN)).median,
      };
    });
    breakdown = { connections: maxC, rows };
    log(renderBreakdown(maxC, rows));
  }

  /* ---------------------------------------------------------------- 5a. CPU profile */
  if (options.profileS > 0) {
    log(`\n## CPU profile: ${options.profileS} s at 16 connections (60 % JSON, 40 % streaming)`);
    const { gateway, stop } = await launch(1, resolve(options.outDir));
    const key = provisioned!;
    const probeModel = await probe(targetsFor(gateway, key, 'gpt-4o-mini', false).gateway!);
    const routedModel = String(probeModel.headers['x-modelmuxer-model'] ?? 'gpt-4o-mini');
    const targets = (stream: boolean) => targetsFor(gateway, key, routedModel, stream);
    await runLoad(targets(false).gateway!, { connections: 16, durationS: options.warmupS, ttfb: false });
    gateway.signal('SIGUSR2'); // start
    await sleep(200);
    await runLoad(targets(false).gateway!, {
      connections: 16,
      durationS: options.profileS * 0.6,
      ttfb: false,
    });
    await runLoad(targets(true).gateway!, {
      connections: 16,
      durationS: options.profileS * 0.4,
      ttfb: false,
    });
    gateway.signal('SIGUSR2'); // stop + write
    const written = join(resolve(options.outDir), `gateway-${gateway.pid}.cpuprofile`);
    for (let i = 0; i < 100 && !existsSync(written); i++) await sleep(100);
    await stop();
    if (existsSync(written)) {
      const file = join(options.outDir, `${stamp}.cpuprofile`);
      renameSync(written, file);
      const summary = summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, 30);
      profile = { file, summary };
      log(`  ${file}: ${fmt(summary.busyMs, 0)} ms busy of ${fmt(summary.durationMs, 0)} ms`);
      log('  by package (self time):');
      for (const c of summary.byCategory.slice(0, 12))
        log(`    ${fmt(c.share * 100, 1).padStart(5)} %  ${c.category}`);
      log('  top functions (self time):');
      for (const f of summary.topSelf.slice(0, 20))
        log(`    ${fmt(f.share * 100, 1).padStart(5)} %  ${f.name}  ${f.location}`);
      log('  ModelMuxer functions (inclusive time):');
      for (const f of summary.topOwnInclusive.slice(0, 12))
        log(`    ${fmt(f.share * 100, 1).padStart(5)} %  ${f.name}  ${f.location}`);
    } else {
      notes.push('The CPU profile was not written (see the gateway log).');
    }
  }

  /* ---------------------------------------------------------------- 5b. soak */
  if (options.soakS > 0) {
    log(`\n## soak: ${options.soakS} s at 16 connections (JSON and streaming alternating, 10 s each)`);
    const { gateway, stop } = await launch(1);
    const key = provisioned!;
    const probeModel = await probe(targetsFor(gateway, key, 'gpt-4o-mini', false).gateway!);
    const routedModel = String(probeModel.headers['x-modelmuxer-model'] ?? 'gpt-4o-mini');
    const series: SoakResult['series'] = [];
    const t0 = Date.now();
    let requests = 0;
    let failures = 0;
    let stream = false;
    while ((Date.now() - t0) / 1000 < options.soakS) {
      const before = sampleGroup(gateway.pids(), ticks);
      const slice = Math.min(10, Math.max(1, options.soakS - (Date.now() - t0) / 1000));
      const { result } = await runLoad(targetsFor(gateway, key, routedModel, stream).gateway!, {
        connections: 16,
        durationS: slice,
        ttfb: false,
      });
      const after = sampleGroup(gateway.pids(), ticks);
      requests += result.requests2xx;
      failures += result.non2xx + result.errors + result.timeouts;
      series.push({
        t: (Date.now() - t0) / 1000,
        rssBytes: after.rssBytes,
        rps: result.rps,
        cpuMsPerRequest: result.requests2xx > 0 ? (after.cpuMs - before.cpuMs) / result.requests2xx : null,
      });
      log(
        `  t=${fmt(series[series.length - 1].t, 0).padStart(4)} s  rss ${fmt(after.rssBytes / MB, 1)} MB  ${fmt(result.rps, 0)} rps`,
      );
      stream = !stream;
    }
    await stop();
    // Growth is judged after the first 20 % of the soak (at least one slice): V8 sizes its heap
    // to the allocation rate during the first half-minute or so, which is not a leak.
    const settled = series.filter((s) => s.t >= Math.max(series[0].t + 1, options.soakS * 0.2));
    const steady = settled.length >= 2 ? settled : series;
    soak = {
      seconds: options.soakS,
      connections: 16,
      series,
      startRssBytes: steady[0].rssBytes,
      endRssBytes: steady[steady.length - 1].rssBytes,
      maxRssBytes: Math.max(...series.map((s) => s.rssBytes)),
      slopeMbPerMinute:
        slope(
          steady.map((s) => s.t),
          steady.map((s) => s.rssBytes / MB),
        ) * 60,
      requests,
      failures,
    };
    log(
      `  RSS ${fmt(soak.startRssBytes / MB, 1)} → ${fmt(soak.endRssBytes / MB, 1)} MB (max ${fmt(soak.maxRssBytes / MB, 1)}; trend ${fmt(soak.slopeMbPerMinute, 2)} MB/min), ${requests} requests, ${failures} failures`,
    );
  }

  await runCleanups();

  /* ---------------------------------------------------------------- 6. report */
  const groups: GroupSummary[] = [];
  const recordsOf = (key: GroupKey) => records.filter((r) => groupKey(r) === groupKey(key));
  for (const [key, pool] of pooled) {
    const [workers, connections, mode, target] = key.split('|');
    const gk: GroupKey = {
      workers: Number(workers),
      connections: Number(connections),
      stream: mode === 'stream',
      target: target as TargetName,
    };
    groups.push(summarizeGroup(gk, recordsOf(gk), pool));
  }
  const comparisons: Comparison[] = [];
  for (const group of groups) {
    if (group.target === 'direct') continue;
    const directKey = { ...group, target: 'direct' as const };
    const direct = groups.find((g) => groupKey(g) === groupKey(directKey));
    if (direct) comparisons.push(compareToDirect(direct, group, recordsOf(directKey), recordsOf(group)));
  }
  const order = (c: { workers: number; stream: boolean; connections: number; target: string }) =>
    c.workers * 1e6 + (c.stream ? 1e5 : 0) + c.connections * 10 + (c.target === 'gateway' ? 0 : 1);
  comparisons.sort((a, b) => order(a) - order(b));

  const single = (connections: number, stream: boolean) =>
    comparisons.find(
      (c) =>
        c.workers === 1 && c.connections === connections && c.stream === stream && c.target === 'gateway',
    );
  const singleGroup = (connections: number, stream: boolean) =>
    groups.find(
      (g) =>
        g.workers === 1 && g.connections === connections && g.stream === stream && g.target === 'gateway',
    );
  const maxConnections = Math.max(...options.connections);
  const minConnections = Math.min(...options.connections);
  const phase1 = phases.find((p) => p.workers === 1);
  const rssSingle = groups
    .filter((g) => g.workers === 1 && g.target === 'gateway')
    .map((g) => g.rssMaxBytes ?? 0);
  const telemetryRow = (prefix: string) =>
    micro.results.find((m) => m.name.startsWith(prefix))?.cpuMeanUs ?? null;
  const targets = evaluateTargets({
    telemetryCpuUs: {
      defaultSampling: telemetryRow(TELEMETRY_ROWS.defaultSampling),
      metricsOnly: telemetryRow(TELEMETRY_ROWS.metricsOnly),
      fullSampling: telemetryRow(TELEMETRY_ROWS.fullSampling),
    },
    cpuMsPerRequest: {
      value: singleGroup(maxConnections, false)?.cpuMsPerRequest ?? null,
      connections: maxConnections,
    },
    cpuMsPerRequestLowLoad:
      minConnections === maxConnections
        ? null
        : (singleGroup(minConnections, false)?.cpuMsPerRequest ?? null),
    addedP50AtOne: minConnections === 1 ? (single(1, false)?.addedP50Ms ?? null) : null,
    addedP99AtOne: minConnections === 1 ? (single(1, false)?.addedP99Ms ?? null) : null,
    addedTtfbP50AtOne: minConnections === 1 ? (single(1, true)?.addedTtfbP50Ms ?? null) : null,
    flushed: phase1?.flush ? { ok: phase1.flush.ok, detail: phase1.flush.detail } : null,
    rssMaxBytes: rssSingle.length > 0 ? Math.max(...rssSingle, soak?.maxRssBytes ?? 0) : null,
    startupMs: phase1?.startupMs ?? null,
    startupHeapBytes: phase1?.startupHeapBytes ?? null,
    rssGrowth: soak
      ? {
          startBytes: soak.startRssBytes,
          endBytes: soak.endRssBytes,
          seconds: soak.seconds,
          label: `${soak.seconds} s soak`,
        }
      : phase1?.rssAfterWarmupBytes && phase1.rssEndBytes
        ? {
            startBytes: phase1.rssAfterWarmupBytes,
            endBytes: phase1.rssEndBytes,
            seconds: phase1.rssSeconds,
            label: 'default run; use --soak 600 for the 10-minute figure',
          }
        : null,
  });

  // Noise: how much the direct runs (the same work every round) moved, and what else ran.
  const directGroups = groups.filter((g) => g.target === 'direct');
  const rpsNoise = directGroups
    .map((g) => relativeSpread(recordsOf(g).map((r) => r.load.rps)))
    .filter(Number.isFinite);
  const others = records.map((r) => r.otherBusyCores).filter((v): v is number => v !== null);
  const otherSpread = spread(others);
  const load1 = loadavg();
  notes.push(
    `Noise: direct-run RPS varied by ${fmt(spread(rpsNoise).median * 100, 0)} % (median; worst ${fmt(spread(rpsNoise).max * 100, 0)} %) between rounds; ` +
      `other processes (including Postgres and Redis serving the gateway) kept ${fmt(otherSpread.median, 2)} cores busy (median; max ${fmt(otherSpread.max, 2)}) of ${ncpu}; ` +
      `load average at the end ${load1.map((l) => l.toFixed(2)).join(' ')}.`,
  );
  for (const phase of phases) {
    notes.push(
      `×${phase.workers}: ready in ${phase.startupMs} ms; idle gateway CPU ${fmt(phase.idleCpuMsPerSecond, 1)} ms/s (timers, flushes, metrics); ` +
        `RSS ${fmt((phase.rssAfterWarmupBytes ?? 0) / MB, 0)} → ${fmt((phase.rssEndBytes ?? 0) / MB, 0)} MB over ${fmt(phase.rssSeconds, 0)} s; ` +
        `graceful stop ${phase.shutdown.ms} ms; ${phase.otlpSpansRequests ?? 0} OTLP export requests received.`,
    );
  }
  if (phase1?.intent) {
    notes.push(
      `Workload: "${SHORT_PROMPT}" (model auto → ${phase1.routedModel}; intent ${phase1.intent.label}, confidence ${phase1.intent.confidence}, ${phase1.intent.method}); fake upstream latency ${options.upstreamLatencyMs} ms, ${options.completionTokens}-word answers.`,
    );
  }
  if (!options.compare) notes.push('No comparison gateway (set BENCH_COMPARE_URL to include one).');

  const markdown = renderMarkdown({ groups, comparisons, targets, micro: micro.results, breakdown, notes });
  log('\n' + markdown);

  const finished = Date.now();
  const out = join(options.outDir, `${stamp}.json`);
  const { databaseUrl: _db, redisUrl: _redis, ...publicOptions } = options;
  writeFileSync(
    out,
    JSON.stringify(
      {
        version: 1,
        startedAt: new Date(started).toISOString(),
        durationS: (finished - started) / 1000,
        machine: {
          node: process.version,
          cpus: ncpu,
          cpuModel: cpus()[0]?.model ?? null,
          memoryBytes: totalmem(),
          loadavgEnd: load1,
        },
        git,
        options: {
          ...publicOptions,
          compare: options.compare
            ? { url: options.compare.url, model: options.compare.model ?? null }
            : null,
        },
        storage: { kind: storage.kind, describe: storage.describe.replace(/\/\/[^@/]*@/, '//') },
        workload: { prompt: SHORT_PROMPT, gatewayBody: gatewayRequest(false) },
        micro,
        phases,
        groups,
        comparisons,
        targets,
        breakdown,
        profile: profile ? { file: profile.file, ...profile.summary } : null,
        soak,
        notes,
        runs: records,
        markdown,
      },
      null,
      2,
    ),
  );
  log(`\nresults: ${out} (gateway log: ${logFile}); total ${fmt((finished - started) / 1000, 0)} s`);
}

main().catch((error: unknown) => {
  console.error(`bench failed: ${error instanceof Error ? error.stack : String(error)}`);
  process.exit(1);
});
