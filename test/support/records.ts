import type { INestApplication } from '@nestjs/common';
import { UsageRecorderService } from '../../src/billing/usage/usage-recorder.service';
import { DecisionLogService } from '../../src/routing/lab/decision-log.service';

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
