import fc from 'fast-check';
import type { INestApplication } from '@nestjs/common';
import { UsageRecorderService } from '../../src/billing/usage/usage-recorder.service';
import { DecisionLogService } from '../../src/routing/lab/decision-log.service';
import { authHeader, type TestApp } from './app';

/**
 * The batched records of a booted gateway (usage rows, routing decisions), for tests that check
 * nothing recorded is lost: `start()` flushes both and remembers how many usage rows were written;
 * `expectNothingLost(answered)` flushes again and checks that nothing was dropped, is still
 * buffered or failed to write, and that at least `answered` usage rows were written since.
 */
export function recordsOf(app: INestApplication) {
  const usage = app.get(UsageRecorderService);
  const decisions = app.get(DecisionLogService);
  let before = 0;
  const flush = async () => {
    await usage.flush();
    await decisions.flush();
  };
  return {
    async start(): Promise<void> {
      await flush();
      before = usage.stats().flushed;
    },
    async expectNothingLost(answered: number): Promise<void> {
      await flush();
      expect(usage.stats()).toMatchObject({ buffered: 0, dropped: 0, flushErrors: 0 });
      expect(usage.stats().flushed - before).toBeGreaterThanOrEqual(answered);
      expect(decisions.stats()).toMatchObject({ buffered: 0, dropped: 0, flushErrors: 0 });
    },
  };
}

/**
 * The fuzzes' second property: bodies valid in shape but hostile in every free string are sent to
 * `path`; none may answer 5xx, every refusal passes `expectRefusal`, at least `minAnswered` are
 * answered 200, and none of what they recorded is lost (recordsOf).
 */
export async function expectHostileBodiesAnsweredWithoutLoss<T>(
  gateway: TestApp,
  path: string,
  bodies: fc.Arbitrary<T>,
  options: { numRuns: number; minAnswered: number; expectRefusal: (body: unknown) => void },
): Promise<void> {
  const records = recordsOf(gateway.app);
  await records.start();
  let answered = 0;
  await fc.assert(
    fc.asyncProperty(bodies, async (body) => {
      const response = await gateway.http
        .post(path)
        .set(authHeader)
        .send(body as object);
      expect(response.status).toBeLessThan(500);
      if (response.status === 200) answered++;
      else options.expectRefusal(response.body);
    }),
    // A fixed seed keeps CI deterministic; FUZZ_SEED=<n> explores others.
    { numRuns: options.numRuns, seed: Number(process.env.FUZZ_SEED ?? 20_261_203) },
  );
  expect(answered).toBeGreaterThan(options.minAnswered);
  await records.expectNothingLost(answered);
}
