import fc from 'fast-check';
import {
  buildReportQuery,
  dimensionExpression,
  grainFloor,
  planReportSegments,
  REPORT_DIMENSIONS,
  type ReportDimension,
  type ReportSource,
  SOURCE_GRAIN,
  type UsageReportQuery,
} from './usage-report';
import { ROLLUP_TABLES } from './usage-rollups';

const d = (iso: string) => new Date(iso);
const spans = (from: string, to: string, sources: ReportSource[] = ['daily', 'hourly']) =>
  planReportSegments(d(from), d(to), sources).map((s) => [
    s.source,
    s.from.toISOString(),
    s.to.toISOString(),
  ]);

const query = (overrides: Partial<UsageReportQuery> = {}): UsageReportQuery => ({
  from: d('2025-01-02T13:17:00Z'),
  to: d('2025-01-07T05:03:00Z'),
  groupBy: [],
  filters: {},
  scopeTenantId: null,
  ...overrides,
});

describe('spend report planning', () => {
  it('answers whole days from the daily roll-up, whole hours from the hourly one, the rest from raw rows', () => {
    expect(spans('2025-01-02T13:17:00Z', '2025-01-07T05:03:00Z')).toEqual([
      ['raw', '2025-01-02T13:17:00.000Z', '2025-01-02T14:00:00.000Z'],
      ['hourly', '2025-01-02T14:00:00.000Z', '2025-01-03T00:00:00.000Z'],
      ['daily', '2025-01-03T00:00:00.000Z', '2025-01-07T00:00:00.000Z'],
      ['hourly', '2025-01-07T00:00:00.000Z', '2025-01-07T05:00:00.000Z'],
      ['raw', '2025-01-07T05:00:00.000Z', '2025-01-07T05:03:00.000Z'],
    ]);
  });

  it('reads no raw rows nor hours for whole days', () => {
    expect(spans('2025-01-01', '2025-01-31')).toEqual([
      ['daily', '2025-01-01T00:00:00.000Z', '2025-01-31T00:00:00.000Z'],
    ]);
  });

  it('reads the smallest roll-up that has every dimension grouped by or filtered on', () => {
    const table = (groupBy: ReportDimension[], filters: UsageReportQuery['filters'] = {}) =>
      buildReportQuery(query({ from: d('2025-02-01'), to: d('2025-03-01'), groupBy, filters }), 10).sql.match(
        /FROM (usage_\w+)/,
      )?.[1];
    const tenantId = '11111111-1111-4111-8111-111111111111';
    expect(table(['day'])).toBe('usage_platform_daily');
    expect(table(['intent', 'day'])).toBe('usage_platform_daily');
    expect(table(['day'], { tenantId })).toBe('usage_tenant_daily');
    expect(table(['tenant', 'day'])).toBe('usage_tenant_daily');
    expect(table(['model', 'day'], { tenantId })).toBe('usage_model_daily');
    expect(table(['key', 'day'])).toBe('usage_tenant_key_daily');
    expect(table(['tenant', 'intent', 'day'])).toBe('usage_daily');
    expect(table(['model', 'day'], { keyId: tenantId })).toBe('usage_key_model_daily');
    expect(table(['model', 'day'], { keyId: tenantId, intent: 'code' })).toBe('usage_key_daily');
    expect(table(['key', 'intent', 'day'])).toBe('usage_key_daily');
    expect(table(['hour'])).toBe('usage_platform_hourly');
    expect(table(['hour', 'tenant'])).toBe('usage_tenant_hourly');
    expect(table(['hour', 'model'], { tenantId })).toBe('usage_model_hourly');
    expect(table(['hour', 'key'])).toBe('usage_tenant_key_hourly');
    expect(table(['hour', 'key', 'model'])).toBe('usage_hourly');
    // Whole months and weeks: the coarse roll-ups, when one has the dimensions.
    expect(table(['tenant', 'model', 'intent'])).toBe('usage_monthly');
    expect(table(['tenant'])).toBe('usage_tenant_key_monthly');
    expect(table(['key'])).toBe('usage_tenant_key_monthly');
    expect(table(['key', 'model'])).toBe('usage_key_model_daily');
  });

  it('reads whole months, then whole weeks, from the coarse roll-ups, the edges finer', () => {
    const coarse: ReportSource[] = ['monthly', 'weekly', 'daily', 'hourly'];
    expect(spans('2025-04-02T00:00:00Z', '2025-07-01T00:00:00Z', coarse)).toEqual([
      ['daily', '2025-04-02T00:00:00.000Z', '2025-04-07T00:00:00.000Z'],
      ['weekly', '2025-04-07T00:00:00.000Z', '2025-04-28T00:00:00.000Z'],
      ['daily', '2025-04-28T00:00:00.000Z', '2025-05-01T00:00:00.000Z'],
      ['monthly', '2025-05-01T00:00:00.000Z', '2025-07-01T00:00:00.000Z'],
    ]);
    expect(spans('2025-06-01T13:18:00Z', '2025-06-30T18:36:00Z', coarse)).toEqual([
      ['raw', '2025-06-01T13:18:00.000Z', '2025-06-01T14:00:00.000Z'],
      ['hourly', '2025-06-01T14:00:00.000Z', '2025-06-02T00:00:00.000Z'],
      ['weekly', '2025-06-02T00:00:00.000Z', '2025-06-30T00:00:00.000Z'],
      ['hourly', '2025-06-30T00:00:00.000Z', '2025-06-30T18:00:00.000Z'],
      ['raw', '2025-06-30T18:00:00.000Z', '2025-06-30T18:36:00.000Z'],
    ]);
  });

  it('uses hours only when grouping by hour, and raw rows only inside one hour', () => {
    expect(spans('2025-01-01T00:30:00Z', '2025-01-03T00:00:00Z', ['hourly'])).toEqual([
      ['raw', '2025-01-01T00:30:00.000Z', '2025-01-01T01:00:00.000Z'],
      ['hourly', '2025-01-01T01:00:00.000Z', '2025-01-03T00:00:00.000Z'],
    ]);
    expect(spans('2025-01-01T10:05:00Z', '2025-01-01T10:55:00Z')).toEqual([
      ['raw', '2025-01-01T10:05:00.000Z', '2025-01-01T10:55:00.000Z'],
    ]);
  });

  it('covers every range exactly once, in order, with every source at its own grain', () => {
    const HOUR = 3_600_000;
    const DAY = 24 * HOUR;
    const base = Date.UTC(2025, 0, 1);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 400 * DAY }),
        fc.oneof(fc.integer({ min: 1, max: 40 * DAY }), fc.integer({ min: 1, max: 400 * DAY })),
        // Hours are always there (usage_hourly has every dimension); coarser grains when covered.
        fc.subarray(['monthly', 'weekly', 'daily'] as const).map((s): ReportSource[] => [...s, 'hourly']),
        (offset, length, sources) => {
          const from = new Date(base + offset);
          const to = new Date(base + offset + length);
          const segments = planReportSegments(from, to, sources);
          expect(segments[0].from.getTime()).toBe(from.getTime());
          expect(segments[segments.length - 1].to.getTime()).toBe(to.getTime());
          segments.forEach((s, i) => {
            expect(s.from.getTime()).toBeLessThan(s.to.getTime());
            if (i > 0) expect(s.from.getTime()).toBe(segments[i - 1].to.getTime());
            expect(['raw', ...sources]).toContain(s.source);
            if (s.source !== 'raw') {
              const grain = SOURCE_GRAIN[s.source];
              expect(grainFloor(grain, s.from.getTime())).toBe(s.from.getTime());
              expect(grainFloor(grain, s.to.getTime())).toBe(s.to.getTime());
            }
          });
          expect(segments.filter((s) => s.source === 'raw').length).toBeLessThanOrEqual(2);
          // Edge pieces only: two per finer source on each side of a month (weeks do not nest in it).
          for (const source of sources) {
            expect(segments.filter((s) => s.source === source).length).toBeLessThanOrEqual(4);
          }
        },
      ),
    );
  });
});

describe('spend report SQL', () => {
  const TENANT = '11111111-1111-4111-8111-111111111111';
  const OTHER = '22222222-2222-4222-8222-222222222222';

  it('confines a tenant admin to its tenant on every source, on top of any tenant filter', () => {
    const built = buildReportQuery(
      query({ groupBy: ['tenant', 'model'], scopeTenantId: TENANT, filters: { tenantId: OTHER } }),
      10,
    );
    const parts = built.sql.split('UNION ALL');
    expect(parts).toHaveLength(3); // raw, hourly, daily
    for (const part of parts) {
      const scoped = built.params.findIndex((p) => p === TENANT) + 1;
      expect(part).toContain(`tenant_id = $`);
      expect(scoped).toBeGreaterThan(0);
    }
    // Each source carries both the scope and the filter: an AND of the two (empty for another tenant).
    const scopeUses = built.sql.match(/tenant_id = \$\d+::uuid/g) ?? [];
    expect(scopeUses).toHaveLength(6);
    expect(built.params.filter((p) => p === TENANT)).toHaveLength(3);
    expect(built.params.filter((p) => p === OTHER)).toHaveLength(3);
  });

  it('never puts filter values into the SQL text', () => {
    const hostile = `x'); DROP TABLE usage_records; --`;
    const built = buildReportQuery(
      query({
        groupBy: ['key', 'intent', 'hour'],
        filters: { model: hostile, provider: hostile, intent: hostile, keyId: TENANT, tenantId: TENANT },
      }),
      10,
    );
    expect(built.sql).not.toContain('DROP');
    expect(built.sql).not.toContain(TENANT);
    expect(built.params).toContain(hostile);
  });

  it('has an expression for every dimension on every table that has it', () => {
    for (const dimension of REPORT_DIMENSIONS) {
      for (const table of ['raw' as const, ...ROLLUP_TABLES]) {
        const has =
          table === 'raw' ||
          (dimension === 'day' && ['day', 'hour'].includes(table.grain)) ||
          (dimension === 'hour' && table.grain === 'hour') ||
          (dimension !== 'day' && dimension !== 'hour' && table.dimensions.includes(dimension));
        if (has) expect(dimensionExpression(dimension, table).length).toBeGreaterThan(0);
        else expect(() => dimensionExpression(dimension, table)).toThrow();
      }
    }
  });

  it('keeps the statement valid for an empty range', () => {
    const built = buildReportQuery(query({ to: d('2025-01-02T13:17:00Z'), groupBy: ['day', 'hour'] }), 10);
    expect(built.sql).toContain('FROM usage_records');
    expect(built.params).toContain('2025-01-02T13:17:00.000Z');
  });

  it('reads a roll-up whose rows are the groups without aggregating them, and never regroups hours', () => {
    const whole = { from: d('2025-02-03'), to: d('2025-02-10') };
    const byTenantDay = buildReportQuery(query({ ...whole, groupBy: ['tenant', 'day'] }), 10).sql;
    expect(byTenantDay).toContain('FROM usage_tenant_daily');
    expect(byTenantDay).not.toContain('GROUP BY');
    // The tenant fixed by a filter: one row a day too. By key across tenants: static keys add up.
    expect(
      buildReportQuery(query({ ...whole, groupBy: ['day'], filters: { tenantId: TENANT } }), 10).sql,
    ).not.toContain('GROUP BY');
    expect(buildReportQuery(query({ ...whole, groupBy: ['key', 'day'] }), 10).sql).toContain('GROUP BY');
    const byHour = buildReportQuery(query({ groupBy: ['tenant', 'hour'] }), 10).sql;
    expect(byHour.split('UNION ALL')).toHaveLength(2); // raw edges, hours
    expect(byHour).not.toContain('GROUP BY u.');
    expect(buildReportQuery(query({ groupBy: ['tenant', 'day'] }), 10).sql).toContain('GROUP BY u.');
  });

  it('selects the requests without an intent for intent=none', () => {
    const built = buildReportQuery(query({ filters: { intent: 'none' } }), 10);
    expect(built.sql).toContain('intent IS NULL');
    expect(built.sql).toContain(`intent = ''`);
    expect(built.params).not.toContain('none');
  });
});
