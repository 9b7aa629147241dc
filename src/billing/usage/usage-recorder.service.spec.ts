import { detachedCounter, detachedGauge } from '../../../test/support/detached-metrics';
import { loadAppConfig, type AppConfig } from '../../config/app-config';
import type { UsageEvent } from '../billing.types';
import { UsageRecorderService } from './usage-recorder.service';
import type { UsageWriter } from './usage-writer';

const event = (i: number): UsageEvent => ({
  requestId: `req-${i}`,
  tenantId: '22222222-2222-2222-2222-222222222222',
  apiKeyId: null,
  provider: 'openai',
  model: 'gpt-4o-mini',
  intent: null,
  promptTokens: 1,
  completionTokens: 1,
  cachedTokens: 0,
  costNano: i,
  savedNano: 0,
  latencyMs: 1,
  status: 200,
  cacheHit: false,
  createdAt: new Date(),
});

class FakeWriter implements UsageWriter {
  batches: UsageEvent[][] = [];
  failuresLeft = 0;
  async write(events: readonly UsageEvent[]): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    if (this.failuresLeft > 0) {
      this.failuresLeft--;
      throw new Error('database unavailable');
    }
    this.batches.push([...events]);
  }
  get written(): UsageEvent[] {
    return this.batches.flat();
  }
}

/** The recorder over `writer`, with metrics in no registry. */
function recorderOver(config: AppConfig, writer: UsageWriter): UsageRecorderService {
  return new UsageRecorderService(
    config,
    writer,
    detachedGauge(),
    detachedCounter(),
    detachedCounter(),
    detachedCounter(),
  );
}

function recorder(env: Record<string, string>, writer: FakeWriter): UsageRecorderService {
  return recorderOver(loadAppConfig({ USAGE_FLUSH_INTERVAL_MS: '600000', ...env }), writer);
}

describe('UsageRecorderService', () => {
  it('writes in batches of USAGE_BATCH_SIZE, as soon as a batch is full', async () => {
    const writer = new FakeWriter();
    const usage = recorder({ USAGE_BATCH_SIZE: '100' }, writer);
    for (let i = 0; i < 250; i++) usage.record(event(i));
    await usage.flush();
    expect(writer.batches.map((b) => b.length)).toEqual([100, 100, 50]);
    expect(writer.written.map((e) => e.costNano)).toEqual(Array.from({ length: 250 }, (_, i) => i));
    expect(usage.stats()).toMatchObject({ buffered: 0, flushed: 250, dropped: 0 });
  });

  it('keeps records in order across failed flushes and writes them once the database is back', async () => {
    const writer = new FakeWriter();
    writer.failuresLeft = 3;
    const usage = recorder({ USAGE_BATCH_SIZE: '10' }, writer);
    for (let i = 0; i < 25; i++) usage.record(event(i));
    await usage.flush();
    await usage.flush();
    await usage.flush();
    expect(usage.stats()).toMatchObject({ buffered: 25, flushErrors: 3 });
    for (let i = 25; i < 30; i++) usage.record(event(i)); // requests go on meanwhile
    await usage.flush();
    expect(writer.written.map((e) => e.costNano)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(usage.stats()).toMatchObject({ buffered: 0, flushed: 30 });
  });

  it('bounds the buffer and counts what it had to drop', async () => {
    const writer = new FakeWriter();
    writer.failuresLeft = 1_000;
    const usage = recorder({ USAGE_BUFFER_MAX: '100', USAGE_BATCH_SIZE: '1000' }, writer);
    for (let i = 0; i < 130; i++) usage.record(event(i));
    expect(usage.stats()).toMatchObject({ buffered: 100, dropped: 30 });
    usage.record({ ...event(0), tenantId: 'not-a-uuid' });
    expect(usage.stats().dropped).toBe(31);
  });

  it('flushes everything at shutdown, even in many batches', async () => {
    const writer = new FakeWriter();
    const usage = recorder({ USAGE_BATCH_SIZE: '1000' }, writer);
    usage.onModuleInit();
    for (let i = 0; i < 2_500; i++) usage.record(event(i));
    await usage.beforeApplicationShutdown();
    expect(writer.written).toHaveLength(2_500);
    await usage.onApplicationShutdown();
  });

  it('retries at shutdown when the first attempt fails', async () => {
    const writer = new FakeWriter();
    writer.failuresLeft = 2;
    const usage = recorder({}, writer);
    for (let i = 0; i < 10; i++) usage.record(event(i));
    await usage.beforeApplicationShutdown();
    expect(writer.written).toHaveLength(10);
  });
});

describe('UsageRecorderService: answered once written (USAGE_DURABLE_ACK)', () => {
  /** A writer whose writes complete when the test says so. */
  class GatedWriter implements UsageWriter {
    batches: UsageEvent[][] = [];
    private gates: Array<{ release: () => void; fail: (error: Error) => void }> = [];
    write(events: readonly UsageEvent[]): Promise<void> {
      return new Promise((resolve, reject) => {
        this.gates.push({
          release: () => {
            this.batches.push([...events]);
            resolve();
          },
          fail: reject,
        });
      });
    }
    get open(): number {
      return this.gates.length;
    }
    async next(outcome: 'write' | 'fail' = 'write'): Promise<void> {
      while (this.gates.length === 0) await new Promise((resolve) => setImmediate(resolve));
      const gate = this.gates.shift()!;
      if (outcome === 'write') gate.release();
      else gate.fail(new Error('database unavailable'));
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  async function state(promise: Promise<void>): Promise<'written' | 'waiting'> {
    return Promise.race([
      promise.then(() => 'written' as const),
      new Promise<'waiting'>((resolve) => setImmediate(() => setImmediate(() => resolve('waiting')))),
    ]);
  }

  it('resolves record() only once the event is written, starting the write at once', async () => {
    const writer = new GatedWriter();
    const usage = recorderOver(loadAppConfig({ USAGE_FLUSH_INTERVAL_MS: '600000' }), writer);
    const acknowledged = usage.record(event(1));
    expect(await state(acknowledged)).toBe('waiting');
    expect(writer.open).toBe(1); // no wait for the flush interval
    await writer.next();
    expect(await state(acknowledged)).toBe('written');
    expect(writer.batches).toEqual([[event(1)].map((e) => ({ ...e, createdAt: expect.any(Date) }))]);
  });

  it('group-commits: events recorded while a write runs share the next one', async () => {
    const writer = new GatedWriter();
    const usage = recorderOver(loadAppConfig({ USAGE_FLUSH_INTERVAL_MS: '600000' }), writer);
    const first = usage.record(event(1));
    await new Promise((resolve) => setImmediate(resolve));
    const later = [2, 3, 4].map((i) => usage.record(event(i)));
    await writer.next();
    expect(await state(first)).toBe('written');
    expect(await Promise.all(later.map(state))).toEqual(['waiting', 'waiting', 'waiting']);
    await writer.next();
    expect(await Promise.all(later.map(state))).toEqual(['written', 'written', 'written']);
    expect(writer.batches.map((batch) => batch.map((e) => e.costNano))).toEqual([[1], [2, 3, 4]]);
  });

  it('does not resolve on a failed write, and answers at once while the database fails', async () => {
    const writer = new GatedWriter();
    const usage = recorderOver(
      loadAppConfig({ USAGE_FLUSH_INTERVAL_MS: '600000', USAGE_ACK_TIMEOUT_MS: '60000' }),
      writer,
    );
    const waiting = usage.record(event(1));
    await writer.next('fail');
    expect(await state(waiting)).toBe('waiting'); // not written: still waiting (for the retry)
    expect(await state(usage.record(event(2)))).toBe('written'); // failing: answered at once
    expect(usage.stats().buffered).toBe(2); // both kept for the retry
    const retried = usage.flush();
    await writer.next();
    await retried;
    expect(await state(waiting)).toBe('written');
  });

  it('never waits longer than USAGE_ACK_TIMEOUT_MS', async () => {
    const writer = new GatedWriter();
    const usage = recorderOver(
      loadAppConfig({ USAGE_FLUSH_INTERVAL_MS: '600000', USAGE_ACK_TIMEOUT_MS: '20' }),
      writer,
    );
    const acknowledged = usage.record(event(1));
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(await state(acknowledged)).toBe('written'); // resolved by the timeout, still buffered
    expect(writer.batches).toEqual([]);
  });

  it('resolves at once when USAGE_DURABLE_ACK=false, and writes on the interval', async () => {
    const writer = new GatedWriter();
    const usage = recorderOver(
      loadAppConfig({ USAGE_FLUSH_INTERVAL_MS: '600000', USAGE_DURABLE_ACK: 'false' }),
      writer,
    );
    expect(await state(usage.record(event(1)))).toBe('written');
    expect(writer.open).toBe(0);
  });
});
