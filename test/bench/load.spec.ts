import { compareArrivals, eventSignature, type ProbeResult } from '../../bench/load';

function stream(events: Array<[number, string]>): ProbeResult {
  return {
    status: 200,
    headers: {},
    body: '',
    ttfbMs: events[0]?.[0] ?? Number.NaN,
    totalMs: events[events.length - 1]?.[0] ?? 0,
    arrivals: [],
    events: events.map(([atMs, data]) => ({ atMs, data })),
  };
}

const chunk = (content: string | null, finish: string | null = null, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    id: 'x',
    choices: [{ index: 0, delta: content === null ? {} : { content }, finish_reason: finish }],
    ...extra,
  });
const usage = JSON.stringify({ id: 'x', choices: [], usage: { prompt_tokens: 1, completion_tokens: 2 } });

describe('bench stream comparison', () => {
  it('identifies events by their delta, not by what the gateway adds', () => {
    expect(eventSignature(chunk('alpha'))).toBe(
      eventSignature(chunk('alpha', null, { router_metadata: { a: 1 } })),
    );
    expect(eventSignature(usage)).toBe('usage');
    expect(eventSignature('[DONE]')).toBe('done');
    expect(eventSignature('not json')).toBe('raw:not json');
  });

  it('matches relayed events in order, skipping the usage chunk the client did not ask for', () => {
    const direct = stream([
      [1, chunk('a')],
      [21, chunk('b')],
      [41, chunk(null, 'stop')],
      [61, usage],
      [81, '[DONE]'],
    ]);
    const relayed = stream([
      [3, chunk('a', null, { router_metadata: {} })],
      [23.5, chunk('b')],
      [43, chunk(null, 'stop')],
      [83, '[DONE]'],
    ]);
    const result = compareArrivals(direct, relayed);
    expect(result.matched).toBe(4);
    expect(result.gatewayDeliveries).toBe(4);
    expect(result.directDeliveries).toBe(4);
    expect(result.maxLagMs).toBeCloseTo(0.5, 10);
  });

  it('exposes a relay that buffers the stream and delivers it at the end', () => {
    const direct = stream([
      [1, chunk('a')],
      [21, chunk('b')],
      [41, '[DONE]'],
    ]);
    const buffered = stream([
      [42, chunk('a')],
      [42, chunk('b')],
      [42, '[DONE]'],
    ]);
    const result = compareArrivals(direct, buffered);
    expect(result.gatewayDeliveries).toBe(1);
    expect(result.directDeliveries).toBe(3);
  });
});
