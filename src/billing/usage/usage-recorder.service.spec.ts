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
  /** Written, not yet rolled up; and rolled up. */
  queued: UsageEvent[] = [];
  rolled: UsageEvent[] = [];
  failuresLeft = 0;
  rollUpFailuresLeft = 0;
  /** Events whose costNano is here make any batch holding them fail as Postgres does (22021). */
  poisoned = new Set<number>();
  /** After this many more writes, every write fails as if the connection were lost (-1: never). */
  outageAfter = -1;
  async rollUp(limit: number): Promise<number> {
    await new Promise((resolve) => setImmediate(resolve));
    if (this.rollUpFailuresLeft > 0) {
      this.rollUpFailuresLeft--;
      throw new Error('deadlock detected');
    }
    const taken = this.queued.splice(0, limit);
    this.rolled.push(...taken);
    return taken.length;
  }
  async write(events: readonly UsageEvent[]): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    if (this.failuresLeft > 0) {
      this.failuresLeft--;
      throw new Error('database unavailable');
    }
    if (this.outageAfter === 0) throw Object.assign(new Error('Connection terminated'), { code: undefined });
    if (this.outageAfter > 0) this.outageAfter--;
    if (events.some((e) => this.poisoned.has(e.costNano))) {
      throw Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021' });
    }
    this.batches.push([...events]);
    this.queued.push(...events);
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

  it('a row the database refuses for its data is dropped alone: the rest of its batch and every later one are written', async () => {
    const writer = new FakeWriter();
    writer.poisoned.add(3);
    const usage = recorder({ USAGE_BATCH_SIZE: '10' }, writer);
    const acks = Array.from({ length: 25 }, (_, i) => usage.record(event(i)));
    await usage.flush();
    await Promise.all(acks); // every waiter answered, the refused row's too
    const expected = Array.from({ length: 25 }, (_, i) => i).filter((i) => i !== 3);
    expect(writer.written.map((e) => e.costNano)).toEqual(expected);
    expect(usage.stats()).toMatchObject({ buffered: 0, flushed: 24, dropped: 1, flushErrors: 0 });
    // Later batches go in one statement again.
    for (let i = 25; i < 35; i++) usage.record(event(i));
    await usage.flush();
    expect(writer.batches.at(-1)?.map((e) => e.costNano)).toEqual(
      Array.from({ length: 10 }, (_, i) => 25 + i),
    );
  });

  it('keeps the rest of a refused batch for the retries when the database fails while it writes rows alone', async () => {
    const writer = new FakeWriter();
    writer.poisoned.add(1);
    writer.outageAfter = 2; // the batch (refused), then the first row alone; then the connection is lost
    const usage = recorder({ USAGE_BATCH_SIZE: '10' }, writer);
    for (let i = 0; i < 5; i++) usage.record(event(i));
    await usage.flush();
    expect(writer.written.map((e) => e.costNano)).toEqual([0]);
    expect(usage.stats()).toMatchObject({ buffered: 4, flushed: 1, dropped: 0, flushErrors: 1 });
    writer.outageAfter = -1;
    await usage.flush();
    expect(writer.written.map((e) => e.costNano)).toEqual([0, 2, 3, 4]);
    expect(usage.stats()).toMatchObject({ buffered: 0, flushed: 4, dropped: 1 });
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

  it('acknowledges on the written rows, without waiting for their roll-up; flush() waits for both', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    class SlowRollUps extends FakeWriter {
      override async rollUp(limit: number): Promise<number> {
        await gate;
        return super.rollUp(limit);
      }
    }
    const writer = new SlowRollUps();
    const usage = recorder({}, writer);
    await usage.record(event(1)); // resolves although the roll-up pass is held
    expect(writer.written).toHaveLength(1);
    expect(writer.rolled).toHaveLength(0);
    let flushed = false;
    const flushing = usage.flush().then(() => (flushed = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(flushed).toBe(false);
    release();
    await flushing;
    expect(writer.rolled.map((e) => e.costNano)).toEqual([1]);
    expect(usage.stats()).toMatchObject({ rolledUp: 1, rollUpErrors: 0 });
  });

  it('leaves rows queued when a roll-up fails, for the next pass', async () => {
    const writer = new FakeWriter();
    writer.rollUpFailuresLeft = 1_000;
    const usage = recorder({}, writer);
    for (let i = 0; i < 10; i++) usage.record(event(i));
    await usage.flush(); // resolves: the write succeeded, the roll-up is retried later
    expect(usage.stats()).toMatchObject({ flushed: 10, rolledUp: 0 });
    expect(usage.stats().rollUpErrors).toBeGreaterThan(0);
    expect(writer.queued).toHaveLength(10);
    writer.rollUpFailuresLeft = 0;
    await usage.flush();
    expect(writer.rolled).toHaveLength(10);
    expect(usage.stats()).toMatchObject({ rolledUp: 10 });
  });

  it('rolls up a long queue statement by statement until it is empty', async () => {
    const writer = new FakeWriter();
    const calls: number[] = [];
    const rollUp = writer.rollUp.bind(writer);
    writer.rollUp = async (limit) => {
      const rolled = await rollUp(limit);
      calls.push(rolled);
      return rolled;
    };
    writer.queued.push(...Array.from({ length: 12_000 }, (_, i) => event(i)));
    await recorder({}, writer).flush();
    expect(calls).toEqual([5_000, 5_000, 2_000]);
    expect(writer.queued).toHaveLength(0);
  });

  it('sweeps rows left queued (a replica killed between its write and its roll-up) without writing any', async () => {
    const writer = new FakeWriter();
    writer.queued.push(event(1), event(2));
    const usage = recorder({ USAGE_FLUSH_INTERVAL_MS: '10' }, writer);
    usage.onModuleInit();
    const deadline = Date.now() + 5_000;
    while (writer.rolled.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await usage.beforeApplicationShutdown();
    expect(writer.rolled.map((e) => e.costNano)).toEqual([1, 2]);
    expect(writer.batches).toEqual([]);
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
    rollUps = 0;
    async rollUp(): Promise<number> {
      this.rollUps++;
      return 0;
    }
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
