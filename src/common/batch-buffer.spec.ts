import { BatchBuffer, type BatchBufferOptions } from './batch-buffer';

/** A writer that records batches and fails while `failuresLeft` > 0. */
function writer() {
  const state = {
    batches: [] as number[][],
    failuresLeft: 0,
    /** Rows that make any batch holding them fail as Postgres refuses a NUL (SQLSTATE 22021). */
    poisoned: new Set<number>(),
    write: async (batch: number[]) => {
      await new Promise((resolve) => setImmediate(resolve));
      if (state.failuresLeft > 0) {
        state.failuresLeft--;
        throw new Error('database unavailable');
      }
      if (batch.some((row) => state.poisoned.has(row))) {
        throw Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021' });
      }
      state.batches.push([...batch]);
    },
  };
  return state;
}

const quiet = { warn: () => undefined };
const buffer = (w: ReturnType<typeof writer>, options: Partial<BatchBufferOptions<number>> = {}) =>
  new BatchBuffer<number>({
    name: 'test',
    logger: quiet,
    write: w.write,
    batchSize: 3,
    bufferMax: 10,
    intervalMs: 600_000,
    eager: false,
    ...options,
  });

describe('BatchBuffer', () => {
  it('writes full batches as they fill (lazy) and the rest on flush, in order', async () => {
    const w = writer();
    const b = buffer(w);
    for (let i = 0; i < 7; i++) b.push(i);
    await b.flush();
    expect(w.batches).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    expect(b.totals).toEqual({ written: 7, flushErrors: 0, refused: 0 });
  });

  it('writes on the next turn when eager', async () => {
    const w = writer();
    const b = buffer(w, { eager: true });
    b.push(1);
    b.push(2);
    expect(w.batches).toEqual([]);
    // No flush() and the timer is 10 minutes away: only the eager write can land the rows. Wait for
    // it by polling, not a fixed pause (a loaded CI machine can hold this process for > 20 ms).
    for (let waited = 0; w.batches.length === 0 && waited < 5_000; waited += 5)
      await new Promise((resolve) => setTimeout(resolve, 5));
    expect(w.batches).toEqual([[1, 2]]);
  });

  it('keeps a failed batch in front, in order, and refuses rows past the bound', async () => {
    const w = writer();
    w.failuresLeft = 2;
    const b = buffer(w, { bufferMax: 5, batchSize: 10 });
    for (let i = 0; i < 5; i++) expect(b.push(i)).toBe(true);
    expect(b.push(99)).toBe(false);
    await b.flush();
    await b.flush();
    expect(b.size).toBe(5);
    expect(b.totals.flushErrors).toBe(2);
    const left = await b.close();
    expect(left).toBe(0);
    expect(w.batches.flat()).toEqual([0, 1, 2, 3, 4]);
  });

  it('reports what close() could not write', async () => {
    const w = writer();
    w.failuresLeft = 100;
    const b = buffer(w);
    b.push(1);
    expect(await b.close(2)).toBe(1);
  });

  it('drops only the rows the database refuses for their data, and writes the rest', async () => {
    const w = writer();
    w.poisoned.add(4);
    const warnings: string[] = [];
    const b = buffer(w, { logger: { warn: (message: string) => warnings.push(message) } });
    for (let i = 0; i < 7; i++) b.push(i);
    await b.flush();
    expect(w.batches).toEqual([[0, 1, 2], [3], [5], [6]]);
    expect(b.totals).toEqual({ written: 6, flushErrors: 0, refused: 1 });
    expect(b.size).toBe(0);
    expect(warnings.join('\n')).toMatch(/refused a row, dropped/);
  });

  it('keeps retrying a batch that failed for the database, not for its data', async () => {
    const w = writer();
    w.failuresLeft = 1;
    const b = buffer(w);
    for (let i = 0; i < 3; i++) b.push(i);
    await b.flush();
    expect(b.totals).toEqual({ written: 0, flushErrors: 1, refused: 0 });
    expect(b.size).toBe(3);
  });
});
