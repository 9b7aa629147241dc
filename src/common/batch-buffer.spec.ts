import { BatchBuffer, type BatchBufferOptions } from './batch-buffer';

/** A writer that records batches and fails while `failuresLeft` > 0. */
function writer() {
  const state = {
    batches: [] as number[][],
    failuresLeft: 0,
    write: async (batch: number[]) => {
      await new Promise((resolve) => setImmediate(resolve));
      if (state.failuresLeft > 0) {
        state.failuresLeft--;
        throw new Error('database unavailable');
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
    expect(b.totals).toEqual({ written: 7, flushErrors: 0 });
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
});
