import { buildCorpus } from '../test/hostile/support/corpus';
import { startGatewayProcess, startHealthProber } from '../test/hostile/support/gateway-process';
import { contractProblem, countByStatus, runCorpus } from '../test/hostile/support/runner';
import { hostileEnv, HostileMode, prepareCorpusContext } from '../test/hostile/support/setup';
import { startFakeUpstream } from '../test/support/fake-upstream';
import { createScratchDatabase, deleteRedisKeys } from '../test/hostile/support/services';

/**
 * npm run hostile:report [-- --mode basic|enhanced|production]
 * Runs the hostile corpus against a gateway in a child process and prints the answers by
 * status, the contract violations, the gateway's maximum event-loop delay and the slowest
 * GET /health while the corpus ran. Production needs DATABASE_URL and REDIS_URL.
 */
async function main(): Promise<void> {
  const modeIndex = process.argv.indexOf('--mode');
  const mode = (modeIndex >= 0 ? process.argv[modeIndex + 1] : 'basic') as HostileMode;
  const env = hostileEnv(mode);
  const cleanup: Array<() => Promise<void>> = [];
  if (mode === 'production') {
    if (!process.env.DATABASE_URL || !process.env.REDIS_URL)
      throw new Error('production needs DATABASE_URL and REDIS_URL');
    const database = await createScratchDatabase(process.env.DATABASE_URL);
    const prefix = `mmhostile:${Date.now().toString(36)}:`;
    const fake = await startFakeUpstream();
    cleanup.push(
      () => database.drop(),
      () => deleteRedisKeys(process.env.REDIS_URL!, prefix),
      () => fake.close(),
    );
    Object.assign(env, fake.env(), {
      DATABASE_URL: database.url,
      REDIS_URL: process.env.REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
    });
  } else {
    Object.assign(env, { DATA_DIR: ':memory:', TEST_MODE: 'true' });
  }
  const bootStarted = performance.now();
  const gateway = await startGatewayProcess(env);
  console.log(`${mode}: gateway child up in ${((performance.now() - bootStarted) / 1000).toFixed(1)} s`);
  try {
    const onlyIndex = process.argv.indexOf('--only');
    const only = onlyIndex >= 0 ? process.argv[onlyIndex + 1] : null;
    const corpus = buildCorpus(await prepareCorpusContext(gateway.url, mode)).filter(
      (item) => only === null || item.name.includes(only),
    );
    await runCorpus(
      gateway.url,
      corpus.filter((_, i) => i % 25 === 0),
      { concurrency: 2 },
    ); // warm-up
    const prober = await startHealthProber(gateway.url);
    await gateway.measure();
    const started = performance.now();
    const concurrencyIndex = process.argv.indexOf('--concurrency');
    const concurrency = concurrencyIndex >= 0 ? Number(process.argv[concurrencyIndex + 1]) : 4;
    const results = await runCorpus(gateway.url, corpus, { concurrency });
    const seconds = (performance.now() - started) / 1000;
    const loop = await gateway.report();
    const health = await prober.report();
    const problems = results.map((r) => [r.case.name, contractProblem(r)] as const).filter(([, p]) => p);
    const slowest = [...results].sort((a, b) => b.ms - a.ms).slice(0, 5);
    console.log(`${corpus.length} cases in ${seconds.toFixed(1)} s; by status:`, countByStatus(results));
    console.log(
      `event loop: max ${loop.maxMs.toFixed(1)} ms, p99 ${loop.p99Ms.toFixed(1)} ms, mean ${loop.meanMs.toFixed(1)} ms; rss ${loop.rssMb.toFixed(0)} MB`,
    );
    console.log(
      `main thread: longest busy stretch ${loop.maxBusyMs?.toFixed(1)} ms; ran ${loop.runMs?.toFixed(0)} ms, waited for a CPU ${loop.waitMs?.toFixed(0)} ms`,
    );
    console.log(
      `GET /health: ${health.count} probes, slowest ${health.maxMs.toFixed(1)} ms, ${health.failures} failed`,
    );
    console.log(
      'slowest cases:',
      slowest.map((r) => `${r.case.name.slice(0, 70)} ${r.ms.toFixed(0)} ms`),
    );
    console.log(`contract violations: ${problems.length}`);
    for (const [name, problem] of problems.slice(0, 40)) console.log(`  ${name.slice(0, 90)}: ${problem}`);
    console.log(`error logs: ${gateway.errorLogs.length}`);
    for (const entry of gateway.errorLogs.slice(0, 10))
      console.log(`  ${JSON.stringify(entry).slice(0, 300)}`);
    if (process.env.HOSTILE_GATEWAY_NODE_FLAGS) {
      for (const entry of gateway.errorLogs) console.log(`  child: ${String(entry.msg).slice(0, 200)}`);
    }
    console.log(`gateway alive: ${gateway.alive()}`);
    if (process.argv.includes('--diagnose')) {
      // One at a time, the event-loop delay each case causes on its own.
      const costs: Array<[string, number]> = [];
      for (const item of corpus) {
        await gateway.measure();
        await runCorpus(gateway.url, [item], { concurrency: 1 });
        const report = await gateway.report();
        costs.push([item.name, report.maxBusyMs ?? report.maxMs]);
      }
      costs.sort((a, b) => b[1] - a[1]);
      console.log('longest main-thread busy stretch per case (wall-clock delay where unavailable):');
      for (const [name, ms] of costs.slice(0, 25))
        console.log(`  ${ms.toFixed(1)} ms  ${name.slice(0, 100)}`);
    }
  } finally {
    await gateway.close();
    for (const step of cleanup) await step();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
