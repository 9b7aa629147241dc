import { groupKeyExpressions, planUsageRange, sumTotals, USAGE_GROUP_BY } from './usage-query';

const d = (iso: string) => new Date(iso);
const raw = (plan: ReturnType<typeof planUsageRange>) =>
  plan.raw.map(([a, b]) => [a.toISOString(), b.toISOString()]);

describe('usage range planning', () => {
  it('uses only the roll-up for whole days', () => {
    const plan = planUsageRange(d('2025-01-01T00:00:00Z'), d('2025-01-31T00:00:00Z'));
    expect(plan).toMatchObject({ rollupFrom: '2025-01-01', rollupTo: '2025-01-31' });
    for (const [a, b] of raw(plan)) expect(a).toBe(b); // no raw rows at all
  });

  it('scans raw rows only for the partial days at both ends', () => {
    const plan = planUsageRange(d('2025-01-02T13:17:00Z'), d('2025-01-07T05:03:00Z'));
    expect(plan).toMatchObject({ rollupFrom: '2025-01-03', rollupTo: '2025-01-07' });
    expect(raw(plan)).toEqual([
      ['2025-01-02T13:17:00.000Z', '2025-01-03T00:00:00.000Z'],
      ['2025-01-07T00:00:00.000Z', '2025-01-07T05:03:00.000Z'],
    ]);
  });

  it('scans raw rows only, for a range with no whole day', () => {
    const within = planUsageRange(d('2025-01-03T01:00:00Z'), d('2025-01-03T22:00:00Z'));
    expect(within.rollupFrom).toBe(within.rollupTo);
    expect(raw(within)[0]).toEqual(['2025-01-03T01:00:00.000Z', '2025-01-03T22:00:00.000Z']);
    const across = planUsageRange(d('2025-01-03T20:00:00Z'), d('2025-01-04T04:00:00Z'));
    expect(across.rollupFrom).toBe(across.rollupTo);
    expect(raw(across)[0]).toEqual(['2025-01-03T20:00:00.000Z', '2025-01-04T04:00:00.000Z']);
  });

  it('has a whitelisted SQL expression for every grouping', () => {
    for (const groupBy of [...USAGE_GROUP_BY, null]) {
      const { rollup, raw: rawKey } = groupKeyExpressions(groupBy);
      expect(rollup.length).toBeGreaterThan(0);
      expect(rawKey.length).toBeGreaterThan(0);
    }
  });

  it('adds totals exactly', () => {
    const one = {
      requests: 1,
      errors: 0,
      cacheHits: 1,
      promptTokens: 10,
      completionTokens: 5,
      cachedTokens: 2,
      costNano: 7,
      savedNano: 3,
      estimatedPriceRequests: 1,
    };
    expect(sumTotals([one, one, one])).toEqual({
      requests: 3,
      errors: 0,
      cacheHits: 3,
      promptTokens: 30,
      completionTokens: 15,
      cachedTokens: 6,
      costNano: 21,
      savedNano: 9,
      estimatedPriceRequests: 3,
    });
  });
});
