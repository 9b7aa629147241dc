import fc from 'fast-check';
import request from 'supertest';
import type { UsageEvent } from '../../src/billing/billing.types';
import {
  buildReportQuery,
  REPORT_DIMENSIONS,
  type ReportDimension,
} from '../../src/billing/usage/usage-report';
import { ROLLUP_TABLES } from '../../src/billing/usage/usage-rollups';
import { SqlUsageWriter } from '../../src/billing/usage/usage-writer';
import { csvField } from '../../src/billing/admin/usage-report.responses';
import { latencyBucket, latencyQuantile } from '../../src/billing/usage/dashboard-rollups';
import { costNanoUsd } from '../../src/common/pricing';
import { ModelCatalog } from '../../src/routing/model-catalog';
import { premiumBaseline } from '../../src/routing/premium-baseline';
import { createTestDatabase, describeIfPostgres, type TestDatabase } from '../support/postgres';
import { ADMIN_KEY, bootBillingApp, type BillingApp } from './support/billing-app';

const admin = { Authorization: `Bearer ${ADMIN_KEY}` };

/** Rolls up everything queued, in statements of `limit` rows, until a pass finds nothing. */
async function rollUpAll(writer: SqlUsageWriter, limit = 5_000): Promise<void> {
  while ((await writer.rollUp(limit)) > 0);
}

/** Writes usage rows and rolls them up, as the recorder's flush() does. */
async function writeRolledUp(app: BillingApp, events: UsageEvent[]): Promise<void> {
  const writer = new SqlUsageWriter(app.dataSource);
  await writer.write(events);
  await rollUpAll(writer);
}
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/**
 * The property test's window: no other test of this file writes usage in 2024. It holds a whole
 * month (March) and whole weeks, so that every roll-up grain answers some ranges.
 */
const START = Date.UTC(2024, 1, 20, 5, 17);
const SPAN_DAYS = 50;
/** The longest range grouped by hour (MAX_HOURLY_RANGE_DAYS). */
const HOURLY_DAYS = 31;

const TENANTS = ['a0000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000002'];
const KEYS = [null, 'b0000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000002'];
const MODELS: Array<[string, 'openai' | 'anthropic' | 'mistral']> = [
  ['gpt-4o-mini', 'openai'],
  ['claude-3-5-haiku-latest', 'anthropic'],
  ['mistral-small-latest', 'mistral'],
];
const INTENTS = ['code', null, 'math'];

/** A deterministic pseudo-random sequence (tests must be reproducible). */
function sequence(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

function randomEvents(count: number): UsageEvent[] {
  const next = sequence(2024);
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)];
  return Array.from({ length: count }, (_, i) => {
    const [model, provider] = pick(MODELS);
    const refused = next() < 0.08;
    return {
      requestId: `prop-${i}`,
      tenantId: pick(TENANTS),
      apiKeyId: pick(KEYS),
      provider,
      model,
      intent: pick(INTENTS),
      promptTokens: refused ? 0 : Math.floor(next() * 3000),
      completionTokens: refused ? 0 : Math.floor(next() * 700),
      cachedTokens: refused ? 0 : Math.floor(next() * 200),
      costNano: refused ? 0 : Math.floor(next() * 4_000_000),
      savedNano: !refused && i % 9 === 0 ? 250_000 : 0,
      latencyMs: 50,
      status: refused ? 429 : i % 13 === 0 ? 502 : 200,
      cacheHit: !refused && i % 9 === 0,
      createdAt: new Date(START + Math.floor(next() * SPAN_DAYS * DAY)),
      refusal: refused ? 'rate_limit_exceeded' : null,
      pricingEstimated: i % 7 === 0,
    };
  });
}

function dimensionValue(event: UsageEvent, dimension: ReportDimension): string | null {
  const iso = event.createdAt.toISOString();
  switch (dimension) {
    case 'tenant':
      return event.tenantId;
    case 'key':
      return event.apiKeyId;
    case 'model':
      return event.model;
    case 'provider':
      return event.provider;
    case 'intent':
      return event.intent;
    case 'day':
      return iso.slice(0, 10);
    case 'hour':
      return `${iso.slice(0, 13)}:00:00Z`;
  }
}

interface Filters {
  tenant?: string;
  key?: string;
  model?: string;
  intent?: string;
}

/** The report computed by brute force from the events themselves. */
function bruteForce(
  events: UsageEvent[],
  from: number,
  to: number,
  groupBy: ReportDimension[],
  filters: Filters,
) {
  const groups = new Map<string, Record<string, unknown>>();
  for (const e of events) {
    const t = e.createdAt.getTime();
    if (t < from || t >= to) continue;
    if (filters.tenant !== undefined && e.tenantId !== filters.tenant) continue;
    if (filters.key !== undefined && e.apiKeyId !== filters.key) continue;
    if (filters.model !== undefined && e.model !== filters.model) continue;
    if (filters.intent !== undefined && (e.intent ?? 'none') !== filters.intent) continue;
    const dims = Object.fromEntries(groupBy.map((d) => [d, dimensionValue(e, d)]));
    const id = JSON.stringify(dims);
    const g = (groups.get(id) ?? {
      ...dims,
      requests: 0,
      errors: 0,
      cache_hits: 0,
      refusals: 0,
      prompt_tokens: 0,
      completion_tokens: 0,
      cached_tokens: 0,
      cost_nano: 0,
      saved_nano: 0,
      estimated_price_requests: 0,
    }) as Record<string, number>;
    if (e.refusal) g.refusals++;
    else {
      g.requests++;
      if (e.status >= 400) g.errors++;
      if (e.cacheHit) g.cache_hits++;
      if (e.pricingEstimated) g.estimated_price_requests++;
    }
    g.prompt_tokens += e.promptTokens;
    g.completion_tokens += e.completionTokens;
    g.cached_tokens += e.cachedTokens;
    g.cost_nano += e.costNano;
    g.saved_nano += e.savedNano;
    groups.set(id, g);
  }
  return [...groups.values()];
}

const sortedJson = (g: Record<string, unknown>) =>
  JSON.stringify(Object.fromEntries(Object.entries(g).sort(([a], [b]) => a.localeCompare(b))));

/** The response's groups in the brute force's shape (exact nano-USD), sorted. */
function fromResponse(groups: Array<Record<string, unknown>>): string[] {
  return groups
    .map((g) => {
      const { cost_usd, saved_usd, total_tokens, tenant_name, ...rest } = g as Record<string, number>;
      expect(total_tokens).toBe(rest.prompt_tokens + rest.completion_tokens);
      // Grouped by tenant, the name is joined in (these tenants have usage rows only: no name).
      expect(tenant_name).toBe('tenant' in rest ? null : undefined);
      return sortedJson({
        ...rest,
        cost_nano: Math.round(cost_usd * 1e9),
        saved_nano: Math.round(saved_usd * 1e9),
      });
    })
    .sort();
}

/** A strict RFC 4180 parser (quoted fields, doubled quotes, CRLF rows). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted && c === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (c === '"' && (quoted || field === '')) {
      quoted = !quoted;
    } else if (!quoted && c === ',') {
      row.push(field);
      field = '';
    } else if (!quoted && c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else {
      field += c;
    }
  }
  if (field !== '' || row.length > 0 || quoted) throw new Error('CSV does not end with CRLF');
  return rows;
}

describe('CSV fields', () => {
  it('round-trip any text through a strict parser, formulas neutralised', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary' }), { minLength: 1, maxLength: 5 }), (fields) => {
        const [parsed] = parseCsv(`${fields.map(csvField).join(',')}\r\n`);
        expect(parsed).toEqual(fields.map((f) => (/^[=+\-@\t\r]/.test(f) ? `'${f}` : f)));
      }),
      { numRuns: 2000 },
    );
  });
});

function reportContract(boot: () => Promise<BillingApp>) {
  let app: BillingApp;
  const events = randomEvents(1_500);

  beforeAll(async () => {
    app = await boot();
    const writer = new SqlUsageWriter(app.dataSource);
    for (let i = 0; i < events.length; i += 250) await writer.write(events.slice(i, i + 250));
    // Written, not yet rolled up: the roll-ups are empty until a pass moves the queue into them.
    const [queued] = await app.dataSource.query(`SELECT count(*)::int AS n FROM usage_rollup_queue`);
    expect(queued.n).toBe(events.length);
    // Three passes at once in small statements (on Postgres, three connections): every row lands
    // in every roll-up exactly once (the brute-force checks below), and a pass that finds nothing
    // left means the queue is drained — it waited for rows another pass held instead of skipping
    // them, so whichever finishes first already sees an empty queue.
    await Promise.all(
      [1, 2, 3].map(async () => {
        await rollUpAll(writer, 200);
        const [left] = await app.dataSource.query(`SELECT count(*)::int AS n FROM usage_rollup_queue`);
        expect(left.n).toBe(0);
      }),
    );
    const [left] = await app.dataSource.query(`SELECT count(*)::int AS n FROM usage_rollup_queue`);
    expect(left.n).toBe(0);
  });
  afterAll(async () => app?.close());

  it('answers exactly like a brute-force aggregation of the raw rows, for random ranges, group-bys and filters', async () => {
    const dims = fc.uniqueArray(fc.constantFrom(...REPORT_DIMENSIONS), { maxLength: 4 });
    const instant = fc.integer({ min: START - DAY, max: START + (SPAN_DAYS + 1) * DAY });
    const filters = fc.record(
      {
        tenant: fc.constantFrom(...TENANTS),
        key: fc.constantFrom(...KEYS.filter((k): k is string => k !== null)),
        model: fc.constantFrom(...MODELS.map(([m]) => m)),
        intent: fc.constantFrom('code', 'none'),
      },
      { requiredKeys: [] },
    );
    // Ranges aligned to days and hours are common in practice: bias towards them.
    const align = fc.constantFrom(1, 60_000, HOUR, DAY);
    await fc.assert(
      fc.asyncProperty(dims, instant, instant, align, filters, async (groupBy, a, b, step, f) => {
        const from = Math.floor(Math.min(a, b) / step) * step;
        const end = groupBy.includes('hour')
          ? Math.min(Math.max(a, b), from + HOURLY_DAYS * DAY)
          : Math.max(a, b);
        const to = Math.max(from + 1, Math.floor(end / step) * step);
        const res = await request(app.server)
          .get('/admin/usage')
          .query({
            from: new Date(from).toISOString(),
            to: new Date(to).toISOString(),
            ...(groupBy.length > 0 ? { group_by: groupBy.join(',') } : {}),
            ...f,
          })
          .set(admin);
        expect(res.status).toBe(200);
        const expected = bruteForce(events, from, to, groupBy, f);
        if (groupBy.length > 0)
          expect(fromResponse(res.body.groups)).toEqual(expected.map(sortedJson).sort());
        const total = (field: string) => expected.reduce((n, g) => n + (g[field] as number), 0);
        expect(res.body.totals.requests).toBe(total('requests'));
        expect(res.body.totals.refusals).toBe(total('refusals'));
        expect(Math.round(res.body.totals.cost_usd * 1e9)).toBe(total('cost_nano'));
      }),
      { numRuns: 40 },
    );
  }, 300_000);

  it('reads every roll-up, and each answers like the brute force', async () => {
    // Whole months, weeks, days and hours and raw edges: every source of a plan.
    const ranges: Array<[number, number]> = [
      [Date.UTC(2024, 1, 27, 13, 17), Date.UTC(2024, 3, 2, 5, 3)],
      [Date.UTC(2024, 2, 2, 7, 41), Date.UTC(2024, 2, 27, 22, 9)],
    ];
    const groupings: ReportDimension[][] = [
      [],
      ['tenant'],
      ['tenant', 'model'],
      ['key'],
      ['tenant', 'model', 'intent'],
      ['key', 'provider', 'intent'],
      ['key', 'model', 'day'],
      ['day'],
      ['tenant', 'day'],
      ['hour', 'provider'],
      ['hour', 'tenant'],
    ];
    const read = new Set<string>();
    for (const [from, to] of ranges) {
      for (const groupBy of groupings) {
        if (groupBy.includes('hour') && to - from > HOURLY_DAYS * DAY) continue;
        const query = { from: new Date(from), to: new Date(to), groupBy, filters: {}, scopeTenantId: null };
        for (const [name] of buildReportQuery(query, 10).sql.matchAll(/usage_\w+/g)) read.add(name);
        const res = await request(app.server)
          .get('/admin/usage')
          .query({
            from: query.from.toISOString(),
            to: query.to.toISOString(),
            group_by: groupBy.join(',') || undefined,
          })
          .set(admin)
          .expect(200);
        const expected = bruteForce(events, from, to, groupBy, {});
        if (groupBy.length > 0)
          expect(fromResponse(res.body.groups)).toEqual(expected.map(sortedJson).sort());
        expect(res.body.totals.requests).toBe(expected.reduce((n, g) => n + (g.requests as number), 0));
      }
    }
    expect([...read].sort()).toEqual(['usage_records', ...ROLLUP_TABLES.map((t) => t.name)].sort());
  });

  it('names the tenants of a report grouped by tenant (one request for a named top list)', async () => {
    const created = await request(app.server)
      .post('/admin/tenants')
      .send({ name: 'named-in-report' })
      .set(admin)
      .expect(201);
    await writeRolledUp(app, [
      {
        ...events[0],
        requestId: 'named-1',
        refusal: null,
        status: 200,
        tenantId: created.body.id,
        createdAt: new Date(Date.UTC(2023, 3, 1, 9)),
      },
    ]);
    // Two sources (raw edge hours and whole days), so the groups are regrouped with the name.
    for (const group_by of ['tenant', 'model,tenant']) {
      const res = await request(app.server)
        .get('/admin/usage')
        .query({ from: '2023-03-31T08:30:00Z', to: '2023-04-02T00:00:00Z', group_by })
        .set(admin)
        .expect(200);
      expect(res.body.groups).toEqual([
        expect.objectContaining({ tenant: created.body.id, tenant_name: 'named-in-report', requests: 1 }),
      ]);
    }
  });

  it('exports the same report as CSV, escaped', async () => {
    const tenant = 'a0000000-0000-4000-8000-0000000000c5';
    const hostile = ['=HYPERLINK("x")', 'a,b', 'quote"d', 'line\nbreak'];
    await writeRolledUp(
      app,
      hostile.map((model, i) => ({
        ...events[0],
        requestId: `csv-${i}`,
        tenantId: tenant,
        model,
        refusal: null,
        status: 200,
        costNano: 1_000 * (i + 1),
        createdAt: new Date(Date.UTC(2023, 5, 1, 12)),
      })),
    );
    const query = { tenant, from: '2023-06-01', to: '2023-06-02', group_by: 'model,day' };
    const json = await request(app.server).get('/admin/usage').query(query).set(admin).expect(200);
    const csv = await request(app.server)
      .get('/admin/usage')
      .query({ ...query, format: 'csv' })
      .set(admin)
      .expect(200)
      .expect('content-type', /^text\/csv/)
      .expect('content-disposition', /attachment; filename="usage-2023-06-01-2023-06-02.csv"/);
    const rows = parseCsv(csv.text);
    expect(rows[0]).toEqual([
      'model',
      'day',
      'requests',
      'errors',
      'cache_hits',
      'refusals',
      'prompt_tokens',
      'completion_tokens',
      'cached_tokens',
      'total_tokens',
      'cost_usd',
      'saved_usd',
      'estimated_price_requests',
    ]);
    expect(rows).toHaveLength(1 + hostile.length);
    const byModel = new Map(rows.slice(1).map((r) => [r[0], r]));
    for (const group of json.body.groups as Array<Record<string, string | number>>) {
      const model = String(group.model);
      const row = byModel.get(model.startsWith('=') ? `'${model}` : model);
      expect(row).toBeDefined();
      expect(row?.slice(1)).toEqual(rows[0].slice(1).map((column) => String(group[column])));
    }
  });

  it('answers the dashboard latency and routing reports from their roll-ups like the raw rows say', async () => {
    const tenant = 'a0000000-0000-4000-8000-0000000000d1';
    const day = Date.UTC(2023, 1, 10);
    const next = sequence(17);
    const dashboardEvents: UsageEvent[] = Array.from({ length: 400 }, (_, i) => ({
      ...events[0],
      requestId: `dash-${i}`,
      tenantId: tenant,
      provider: 'openai',
      model: i % 2 ? 'gpt-4o-mini' : 'gpt-4.1-nano',
      intent: (['code_gen', 'chat_lite', null, 'intent_fallback'] as const)[i % 4],
      promptTokens: 1000 + i,
      completionTokens: 200 + i,
      cachedTokens: i % 3 === 0 ? 100 : 0,
      costNano: 50_000 + i,
      latencyMs: Math.floor(20 + next() * next() * 5000),
      status: 200,
      cacheHit: false,
      refusal: i % 17 === 0 ? 'rate_limit_exceeded' : null,
      autoRouted: i % 5 !== 0,
      fallback: i % 7 === 0,
      createdAt: new Date(day + (i % 2) * DAY + i * 1000),
    }));
    await writeRolledUp(app, dashboardEvents);
    const range = { tenant, from: '2023-02-10T00:00:00Z', to: '2023-02-12T00:00:00Z' };

    const latency = await request(app.server).get('/admin/usage/latency').query(range).set(admin).expect(200);
    const served = dashboardEvents.filter((e) => e.refusal === null && e.intent !== 'intent_fallback');
    const histogram = (list: UsageEvent[]) => {
      const counts = new Map<number, number>();
      for (const e of list)
        counts.set(latencyBucket(e.latencyMs), (counts.get(latencyBucket(e.latencyMs)) ?? 0) + 1);
      return [...counts].map(([bucket, requests]) => ({ bucket, requests }));
    };
    expect(latency.body.totals).toEqual({
      requests: served.length,
      p50_ms: Math.round(latencyQuantile(histogram(served), 0.5)!),
      p90_ms: Math.round(latencyQuantile(histogram(served), 0.9)!),
      p99_ms: Math.round(latencyQuantile(histogram(served), 0.99)!),
    });
    expect(latency.body.days.map((d: { day: string; requests: number }) => [d.day, d.requests])).toEqual(
      ['2023-02-10', '2023-02-11'].map((d) => [
        d,
        served.filter((e) => e.createdAt.toISOString().startsWith(d)).length,
      ]),
    );

    const routing = await request(app.server).get('/admin/usage/routing').query(range).set(admin).expect(200);
    const baseline = premiumBaseline(ModelCatalog.load('config/models.yaml').entries());
    const auto = dashboardEvents.filter((e) => e.refusal === null && e.autoRouted);
    const premium = auto.reduce(
      (sum, e) =>
        sum +
        costNanoUsd(baseline(e.intent)!.spec.pricing, {
          promptTokens: e.promptTokens,
          cachedPromptTokens: e.cachedTokens,
          completionTokens: e.completionTokens,
        }),
      0,
    );
    const cost = auto.reduce((sum, e) => sum + e.costNano, 0);
    expect(routing.body.savings.requests).toBe(auto.length);
    expect(Math.round(routing.body.savings.cost_usd * 1e9)).toBe(cost);
    expect(Math.round(routing.body.savings.premium_cost_usd * 1e9)).toBe(premium);
    expect(routing.body.savings.saved_usd).toBeGreaterThan(0);
    expect(routing.body.fallbacks.requests).toBe(
      dashboardEvents.filter((e) => e.refusal === null && e.fallback).length,
    );
    const other = await request(app.server)
      .get('/admin/usage/routing')
      .query({ ...range, tenant: TENANTS[0] })
      .set(admin)
      .expect(200);
    expect(other.body.savings.requests).toBe(0);
  });

  it('lists every budget in one request, a tenant admin only its own', async () => {
    const ids: string[] = [];
    for (const name of ['budget-list-a', 'budget-list-b']) {
      const created = await request(app.server).post('/admin/tenants').send({ name }).set(admin).expect(201);
      ids.push(created.body.id);
      await request(app.server)
        .put(`/admin/tenants/${created.body.id}/budget`)
        .send({ limit_usd: 40, period: 'monthly', soft_limit_ratio: 0.5 })
        .set(admin)
        .expect(200);
    }
    const key = await request(app.server)
      .post(`/admin/tenants/${ids[0]}/keys`)
      .send({ name: 'lead', role: 'tenant_admin' })
      .set(admin)
      .expect(201);
    await request(app.server)
      .put(`/admin/keys/${key.body.id}/budget`)
      .send({ limit_usd: 5, period: 'daily' })
      .set(admin)
      .expect(200);
    const all = await request(app.server).get('/admin/budgets').set(admin).expect(200);
    const mine = (body: { data: Array<Record<string, unknown>> }) =>
      body.data.filter((b) => ids.includes(String(b.tenant_id)));
    expect(mine(all.body)).toEqual([
      expect.objectContaining({
        tenant_name: 'budget-list-a',
        scope: 'tenant',
        limit_usd: 40,
        soft_limit_ratio: 0.5,
        spent_usd: 0,
        remaining_usd: 40,
        forecast_usd: 0,
      }),
      expect.objectContaining({
        tenant_name: 'budget-list-a',
        scope: 'key',
        key_name: 'lead',
        limit_usd: 5,
        period: 'daily',
      }),
      expect.objectContaining({ tenant_name: 'budget-list-b', scope: 'tenant', key_name: null }),
    ]);
    const scoped = await request(app.server)
      .get('/admin/budgets')
      .set({ Authorization: `Bearer ${key.body.key}` })
      .expect(200);
    expect(new Set(scoped.body.data.map((b: { tenant_id: string }) => b.tenant_id))).toEqual(
      new Set([ids[0]]),
    );
    expect(scoped.body.data).toHaveLength(2);
  });

  it('refuses bad queries with OpenAI-shaped 400s', async () => {
    const bad: Array<[Record<string, string>, string]> = [
      [{ group_by: 'week' }, 'group_by'],
      [{ group_by: 'model,model' }, 'group_by'],
      [{ group_by: 'model;DROP TABLE usage_records' }, 'group_by'],
      [{ from: 'yesterday' }, 'from'],
      [{ from: '2025-02-01', to: '2025-01-01' }, 'from'],
      [{ from: '2023-01-01', to: '2025-01-01' }, 'from'],
      [{ from: '2025-01-01', to: '2025-03-01', group_by: 'hour' }, 'from'],
      [{ tenant: 'not-a-uuid' }, 'tenant'],
      [{ key: '1' }, 'key'],
      [{ format: 'xml' }, 'format'],
      [{ limit: '3' }, 'limit'],
    ];
    for (const [query, param] of bad) {
      const res = await request(app.server).get('/admin/usage').query(query).set(admin);
      expect({ query, status: res.status }).toEqual({ query, status: 400 });
      expect(res.body.error.type).toBe('invalid_request_error');
      expect(res.body.error.param).toBe(param);
    }
    await request(app.server).get('/admin/usage').expect(401);
    for (const path of ['/admin/usage/latency', '/admin/usage/routing']) {
      for (const [query, param] of [
        [{ from: '2025-02-01', to: '2025-01-01' }, 'from'],
        [{ from: '2023-01-01', to: '2025-01-01' }, 'from'],
        [{ tenant: 'x' }, 'tenant'],
        [{ group_by: 'day' }, 'group_by'],
      ] as Array<[Record<string, string>, string]>) {
        const res = await request(app.server).get(path).query(query).set(admin);
        expect({ path, query, status: res.status, param: res.body.error?.param }).toEqual({
          path,
          query,
          status: 400,
          param,
        });
      }
    }
  });
}

describe('spend report on the embedded database', () => {
  // USAGE_FLUSH_INTERVAL_MS: no timer sweep of the roll-up queue during the tests (they roll it up).
  reportContract(() =>
    bootBillingApp({ DATA_DIR: ':memory:', ADMIN_API_KEY: ADMIN_KEY, USAGE_FLUSH_INTERVAL_MS: '600000' }),
  );
});

describeIfPostgres('spend report on Postgres', () => {
  let database: TestDatabase;
  reportContract(async () => {
    database = await createTestDatabase();
    return bootBillingApp({
      DATABASE_URL: database.url,
      ADMIN_API_KEY: ADMIN_KEY,
      USAGE_FLUSH_INTERVAL_MS: '600000',
    });
  });
  afterAll(async () => database?.drop());
});
