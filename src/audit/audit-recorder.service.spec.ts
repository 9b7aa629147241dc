import { loadAppConfig } from '../config/app-config';
import type { RequestAuditEvent } from './audit.types';
import { AuditRecorderService } from './audit-recorder.service';
import type { AuditWriter } from './audit-writer';

const event = (i: number): RequestAuditEvent => ({
  requestId: `req-${i}`,
  createdAt: new Date(),
  tenantId: '22222222-2222-2222-2222-222222222222',
  apiKeyId: null,
  route: 'POST /v1/chat/completions',
  decision: 'refused_budget',
  policyId: null,
  policyVersion: null,
  modelBefore: null,
  modelAfter: null,
  details: null,
});

/** A writer whose writes complete when the test says (or fail while failuresLeft > 0). */
class GatedWriter implements AuditWriter {
  batches: RequestAuditEvent[][] = [];
  failuresLeft = 0;
  private gates: Array<() => void> = [];
  open = true;
  async write(events: readonly RequestAuditEvent[]): Promise<void> {
    if (!this.open) await new Promise<void>((resolve) => this.gates.push(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    if (this.failuresLeft > 0) {
      this.failuresLeft--;
      throw new Error('database unavailable');
    }
    this.batches.push([...events]);
  }
  release(): void {
    this.open = true;
    for (const gate of this.gates.splice(0)) gate();
  }
  get written(): string[] {
    return this.batches.flat().map((e) => e.requestId);
  }
}

function recorder(writer: GatedWriter, env: Record<string, string> = {}): AuditRecorderService {
  return new AuditRecorderService(loadAppConfig({ USAGE_FLUSH_INTERVAL_MS: '600000', ...env }), writer);
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('AuditRecorderService', () => {
  it('returns at once and writes on the next turn: the events of one turn share one INSERT', async () => {
    const writer = new GatedWriter();
    const audit = recorder(writer);
    for (let i = 0; i < 5; i++) expect(audit.record(event(i))).toBeUndefined();
    expect(writer.batches).toEqual([]);
    // No flush() call: the recorder started one itself (the write takes one more turn).
    for (let turn = 0; turn < 3; turn++) await nextTurn();
    expect(writer.batches.map((batch) => batch.length)).toEqual([5]);
  });

  it('group commit: what arrives while a write runs goes in the next one, in order', async () => {
    const writer = new GatedWriter();
    const audit = recorder(writer, { USAGE_BATCH_SIZE: '100' });
    writer.open = false;
    audit.record(event(0));
    await nextTurn();
    for (let i = 1; i <= 30; i++) audit.record(event(i));
    writer.release();
    await audit.flush();
    expect(writer.batches.map((batch) => batch.length)).toEqual([1, 30]);
    expect(writer.written).toEqual(Array.from({ length: 31 }, (_, i) => `req-${i}`));
  });

  it('puts a failed batch back in front and writes it, in order, on the retry', async () => {
    const writer = new GatedWriter();
    const audit = recorder(writer, { USAGE_BATCH_SIZE: '2' });
    writer.failuresLeft = 1;
    for (let i = 0; i < 5; i++) audit.record(event(i));
    await audit.flush();
    expect(audit.stats()).toMatchObject({ buffered: 5, flushErrors: 1 });
    await audit.flush();
    expect(writer.written).toEqual(['req-0', 'req-1', 'req-2', 'req-3', 'req-4']);
    expect(audit.stats()).toMatchObject({ buffered: 0, written: 5, dropped: 0 });
  });

  it('bounds the buffer (USAGE_BUFFER_MAX) and drops what does not fit, counted', async () => {
    const writer = new GatedWriter();
    const audit = recorder(writer, { USAGE_BUFFER_MAX: '100' });
    writer.failuresLeft = 1;
    audit.record(event(0));
    await audit.flush(); // fails: the database is "down", retries are backed off
    for (let i = 1; i < 150; i++) audit.record(event(i));
    expect(audit.stats()).toMatchObject({ buffered: 100, dropped: 50 });
  });

  it('writes everything out at shutdown', async () => {
    const writer = new GatedWriter();
    const audit = recorder(writer);
    audit.onModuleInit();
    writer.failuresLeft = 2;
    for (let i = 0; i < 120; i++) audit.record(event(i));
    await audit.beforeApplicationShutdown();
    expect(writer.written).toHaveLength(120);
    await audit.onApplicationShutdown();
  });
});
