import { FakeUpstream, startFakeUpstream } from '../support/fake-upstream';
import { createTestDatabase, SERVER_DATABASE_URL, TestDatabase } from '../support/postgres';
import { deleteRedisPrefix, SERVER_REDIS_URL, uniqueRedisPrefix } from '../support/redis';
import { buildCorpus, HostileCase } from './support/corpus';
import { GatewayProcess, startGatewayProcess, startHealthProber } from './support/gateway-process';
import { HostileResult, runCorpus } from './support/runner';
import { hostileEnv, HostileMode, prepareCorpusContext } from './support/setup';
import { crashLogs, verdictOf } from './support/verdict';

/**
 * The hostile corpus against a gateway in a child process of its own, so that its event loop is
 * measured without the test runner's work (perf_hooks.monitorEventLoopDelay in the child) and
 * GET /health is timed from a third process while the corpus runs:
 * - production mode on the real Postgres and Redis with every provider on the fake upstream
 *   when DATABASE_URL and REDIS_URL are set (as in CI);
 * - otherwise basic mode on the embedded database with the simulator.
 * Zero 5xx, every refusal an OpenAI error, no crash, and the event loop never blocked:
 * - the gateway's main thread never works more than HOSTILE_MAX_LOOP_DELAY_MS (50) without
 *   returning to the loop (CPU time between two 5 ms ticks, from Linux's schedstat: what one
 *   request can stall, whatever else runs on the machine);
 * - the wall-clock event-loop delay (monitorEventLoopDelay) stays within the same 50 ms and
 *   GET /health answers within HOSTILE_MAX_HEALTH_MS (100) — asserted when the machine gave the
 *   gateway its CPU (it waited for one less than STARVED_RATIO of the time it ran). On an
 *   oversubscribed machine wall-clock delays measure the other tenants of the CPU, so they are
 *   printed instead, and the CPU-time bound is STARVED_MAX_BUSY_MS (250): a starved process
 *   catches up on a backlog of timers and sockets in one turn of the loop, which is no single
 *   request's stall — while the stalls this guards against (ReDoS, quadratic BPE) took seconds.
 */
const MAX_LOOP_DELAY_MS = Number(process.env.HOSTILE_MAX_LOOP_DELAY_MS ?? 50);
const MAX_HEALTH_MS = Number(process.env.HOSTILE_MAX_HEALTH_MS ?? 100);
const STARVED_RATIO = 0.25;
const STARVED_MAX_BUSY_MS = 250;
const mode: HostileMode = SERVER_DATABASE_URL && SERVER_REDIS_URL ? 'production' : 'basic';

describe(`hostile input in a child process (${mode} mode), with the event-loop guard`, () => {
  let gateway: GatewayProcess;
  let database: TestDatabase | undefined;
  let fake: FakeUpstream | undefined;
  let prefix: string | undefined;
  let corpus: HostileCase[];

  beforeAll(async () => {
    const env = hostileEnv(mode);
    if (mode === 'production') {
      database = await createTestDatabase();
      prefix = uniqueRedisPrefix();
      fake = await startFakeUpstream({ record: false });
      Object.assign(env, fake.env(), {
        DATABASE_URL: database.url,
        REDIS_URL: SERVER_REDIS_URL!,
        REDIS_KEY_PREFIX: prefix,
      });
    } else {
      Object.assign(env, { DATA_DIR: ':memory:', TEST_MODE: 'true' });
    }
    gateway = await startGatewayProcess(env);
    corpus = buildCorpus(await prepareCorpusContext(gateway.url, mode));
  }, 150_000);

  afterAll(async () => {
    await gateway?.close();
    await fake?.close();
    await database?.drop();
    if (prefix) await deleteRedisPrefix(prefix);
  });

  it('answers ≥ 1,000 hostile requests correctly without ever blocking the event loop', async () => {
    // Warm up first (JIT, lazy initialisation): the guard is about hostile input, not a cold start.
    await runCorpus(
      gateway.url,
      corpus.filter((_, i) => i % 25 === 0),
      { concurrency: 2 },
    );
    const prober = await startHealthProber(gateway.url);
    await gateway.measure();
    const results = await runCorpus(gateway.url, corpus, { concurrency: 2 });
    const loop = await gateway.report();
    const health = await prober.report();

    const verdict = verdictOf(results);
    expect(verdict.sent).toBeGreaterThanOrEqual(1_000);
    expect(verdict.violations).toEqual([]);
    expect(gateway.alive()).toBe(true);
    expect(crashLogs(gateway.errorLogs)).toEqual([]);
    const figures = {
      maxBusyMs: loop.maxBusyMs === null ? null : Math.round(loop.maxBusyMs),
      maxLoopDelayMs: Math.round(loop.maxMs),
      p99LoopDelayMs: Math.round(loop.p99Ms),
      slowestHealthMs: Math.round(health.maxMs),
      healthProbes: health.count,
      ranMs: loop.runMs === null ? null : Math.round(loop.runMs),
      waitedForCpuMs: loop.waitMs === null ? null : Math.round(loop.waitMs),
      slowestCases: slowest(results),
    };
    expect(health.failures).toBe(0);
    expect(health.count).toBeGreaterThan(10);
    const starved = loop.runMs !== null && loop.waitMs !== null && loop.waitMs > loop.runMs * STARVED_RATIO;
    if (loop.maxBusyMs !== null) {
      const bound = starved ? STARVED_MAX_BUSY_MS : MAX_LOOP_DELAY_MS;
      expect({ ...figures, busyWithinBound: loop.maxBusyMs <= bound }).toEqual({
        ...figures,
        busyWithinBound: true,
      });
    }
    if (starved) {
      console.warn(`oversubscribed machine: wall-clock figures not asserted ${JSON.stringify(figures)}`);
      return;
    }
    expect({ ...figures, loopWithinBound: loop.maxMs <= MAX_LOOP_DELAY_MS }).toEqual({
      ...figures,
      loopWithinBound: true,
    });
    expect({ ...figures, healthWithinBound: health.maxMs <= MAX_HEALTH_MS }).toEqual({
      ...figures,
      healthWithinBound: true,
    });
  }, 180_000);
});

function slowest(results: readonly HostileResult[]): string[] {
  return [...results]
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 5)
    .map((result) => `${Math.round(result.ms)} ms ${result.case.name.slice(0, 80)}`);
}
