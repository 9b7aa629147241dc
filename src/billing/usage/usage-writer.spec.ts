import type { UsageEvent } from '../billing.types';
import { invalidUsageEvent, usageColumns } from './usage-writer';

const event = (overrides: Partial<UsageEvent> = {}): UsageEvent => ({
  requestId: 'req-1',
  tenantId: '22222222-2222-2222-2222-222222222222',
  apiKeyId: null,
  provider: 'openai',
  model: 'gpt-4o-mini',
  intent: 'code',
  promptTokens: 10,
  completionTokens: 5,
  cachedTokens: 0,
  costNano: 123,
  savedNano: 0,
  latencyMs: 42,
  status: 200,
  cacheHit: false,
  createdAt: new Date('2025-01-01T00:00:00Z'),
  ...overrides,
});

describe('usage writer columns', () => {
  it('builds one array per column, in the INSERT order', () => {
    const cols = usageColumns([event(), event({ requestId: 'req-2', intent: null, cacheHit: true })]);
    expect(cols).toHaveLength(19);
    expect(cols[0]).toEqual(['req-1', 'req-2']);
    expect(cols[5]).toEqual(['code', null]);
    expect(cols[13]).toEqual([false, true]);
    expect(cols[14]).toEqual(['2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z']);
    expect(cols[15]).toEqual([null, null]); // refusal code
    expect(usageColumns([event({ refusal: 'rate_limit_exceeded' })])[15]).toEqual(['rate_limit_exceeded']);
    expect(cols[16]).toEqual([false, false]); // pricing_estimated
    expect(usageColumns([event({ pricingEstimated: true })])[16]).toEqual([true]);
    expect([cols[17], cols[18]]).toEqual([
      [false, false],
      [false, false],
    ]); // auto_routed, fallback
    const routed = usageColumns([event({ autoRouted: true, fallback: true })]);
    expect([routed[17], routed[18]]).toEqual([[true], [true]]);
  });

  it('clamps values to the column types, so one odd event cannot poison a batch', () => {
    const [cols] = [
      usageColumns([
        event({
          requestId: 'r'.repeat(300),
          model: 'm'.repeat(300),
          promptTokens: 1e12,
          completionTokens: -5,
          costNano: Number.NaN,
          latencyMs: 1.7,
          status: 70_000,
        }),
      ]),
    ];
    expect((cols[0][0] as string).length).toBe(128);
    expect((cols[4][0] as string).length).toBe(100);
    expect(cols[6][0]).toBe(2_147_483_647);
    expect(cols[7][0]).toBe(0);
    expect(cols[9][0]).toBe(0);
    expect(cols[11][0]).toBe(2);
    expect(cols[12][0]).toBe(999);
  });

  it('refuses events that cannot be stored at all', () => {
    expect(invalidUsageEvent(event())).toBeNull();
    expect(invalidUsageEvent(event({ tenantId: 'default' }))).toMatch(/tenantId/);
    expect(invalidUsageEvent(event({ apiKeyId: 'x' }))).toMatch(/apiKeyId/);
    expect(invalidUsageEvent(event({ createdAt: new Date(Number.NaN) }))).toMatch(/createdAt/);
  });
});
