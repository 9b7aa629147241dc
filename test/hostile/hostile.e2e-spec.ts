import { bootTestApp, TestApp } from '../support/app';
import { buildCorpus } from './support/corpus';
import { runCorpus } from './support/runner';
import { hostileEnv, prepareCorpusContext } from './support/setup';
import { verdictOf } from './support/verdict';

/**
 * The hostile corpus (≥ 1,000 generated bodies, headers, paths and raw HTTP requests over every
 * public and admin route) against basic and enhanced mode on the embedded database, with the
 * simulator (TEST_MODE): zero 5xx, every refusal an OpenAI-style 4xx error, still serving after.
 * Production mode (Postgres, Redis, fake upstream) and the event-loop guard run in a child
 * process: hostile-loop.e2e-spec.ts.
 */
describe.each(['basic', 'enhanced'] as const)('hostile input, %s mode (embedded database)', (mode) => {
  let gateway: TestApp;

  beforeAll(async () => {
    gateway = await bootTestApp({ ...hostileEnv(mode), LOG_LEVEL: 'fatal' }, { listen: true });
  }, 120_000);
  afterAll(async () => gateway?.close());

  it('answers every case without a 5xx, each refusal an OpenAI error, and keeps serving', async () => {
    const corpus = buildCorpus(await prepareCorpusContext(gateway.url, mode));
    const verdict = verdictOf(await runCorpus(gateway.url, corpus, { concurrency: 4 }));
    expect(verdict.sent).toBeGreaterThanOrEqual(1_000);
    expect(verdict.violations).toEqual([]);
    expect(Object.keys(verdict.byStatus).filter((status) => Number(status) >= 500)).toEqual([]);
    const health = await fetch(`${gateway.url}/health`);
    expect(health.status).toBe(200);
  }, 180_000);
});
