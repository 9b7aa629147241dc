import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { createTenantWithKey } from '../support/tenants';
import type { UsageEvent } from '../../src/billing/billing.types';
import { UsageRecorderService } from '../../src/billing/usage/usage-recorder.service';
import { SqlUsageWriter } from '../../src/billing/usage/usage-writer';
import { createTestDatabase, describeIfPostgres, type TestDatabase } from '../support/postgres';
import { ADMIN_KEY, bootBillingApp, type BillingApp } from './support/billing-app';

const admin = { Authorization: `Bearer ${ADMIN_KEY}` };
const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });
const HOUR = 3_600_000;

function tenantWithKey(app: BillingApp, name: string) {
  return createTenantWithKey(app.server, ADMIN_KEY, name, { keyName: 'k' });
}

/** A deterministic pseudo-random sequence (tests must be reproducible). */
function sequence(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

const MODELS = ['gpt-4o-mini', 'claude-3-5-haiku-latest', 'mistral-small-latest'];
const PROVIDERS = ['openai', 'anthropic', 'mistral'] as const;
const INTENTS = ['code', 'math', null, 'general'];

function syntheticEvents(tenantId: string, start: number, hours: number, count: number): UsageEvent[] {
  const next = sequence(42);
  return Array.from({ length: count }, (_, i) => {
    const m = Math.floor(next() * MODELS.length);
    return {
      requestId: `req-${i}`,
      tenantId,
      apiKeyId: null,
      provider: PROVIDERS[m],
      model: MODELS[m],
      intent: INTENTS[Math.floor(next() * INTENTS.length)],
      promptTokens: Math.floor(next() * 2000),
      completionTokens: Math.floor(next() * 500),
      cachedTokens: Math.floor(next() * 100),
      costNano: Math.floor(next() * 5_000_000),
      savedNano: i % 10 === 0 ? 1_000 : 0,
      latencyMs: 100,
      status: i % 17 === 0 ? 502 : 200,
      cacheHit: i % 10 === 0,
      createdAt: new Date(start + Math.floor(next() * hours * HOUR)),
    };
  });
}

interface NaiveGroup {
  g: string | null;
  requests: number;
  cost_nano: number;
  prompt_tokens: number;
}

function usageContract(boot: () => Promise<BillingApp>) {
  let app: BillingApp;

  beforeAll(async () => {
    app = await boot();
  });
  afterAll(async () => app?.close());

  it('reports totals equal to the sum of the cost_usd the responses carried', async () => {
    const { tenantId, key } = await tenantWithKey(app, 'metered');
    const next = sequence(7);
    let sumNano = 0;
    let sumUsd = 0;
    for (let i = 0; i < 60; i++) {
      const cost = Math.floor(next() * 3_000_000) + 1;
      const res = await request(app.server)
        .post('/v1/test/charge')
        .set(bearer(key))
        .send({ max_cost_nano: cost, cost_nano: cost, model: MODELS[i % 3] })
        .expect(200);
      sumNano += cost;
      sumUsd += res.body.cost_usd;
    }
    await app.get<UsageRecorderService>(UsageRecorderService).flush();
    const usage = await request(app.server)
      .get(`/admin/tenants/${tenantId}/usage?group_by=model`)
      .set(admin)
      .expect(200);
    expect(usage.body.totals.requests).toBe(60);
    expect(usage.body.totals.cost_usd).toBe(sumNano / 1e9);
    expect(usage.body.totals.cost_usd).toBeCloseTo(sumUsd, 9);
    expect(usage.body.groups.map((g: { key: string }) => g.key).sort()).toEqual([...MODELS].sort());
    expect(usage.body.groups.reduce((n: number, g: { requests: number }) => n + g.requests, 0)).toBe(60);
  });

  it('answers the usage query exactly like a naive scan of the raw rows, partial days included', async () => {
    const { tenantId } = await tenantWithKey(app, 'historic');
    const start = Date.UTC(2025, 0, 1, 7, 30);
    const events = syntheticEvents(tenantId, start, 24 * 9, 3_000);
    const writer = new SqlUsageWriter(app.dataSource);
    for (let i = 0; i < events.length; i += 500) await writer.write(events.slice(i, i + 500));
    while ((await writer.rollUp(1_000)) > 0);

    const ranges: Array<[string, string]> = [
      ['2025-01-01T00:00:00.000Z', '2025-01-11T00:00:00.000Z'], // whole days only
      ['2025-01-02T13:17:00.000Z', '2025-01-07T05:03:00.000Z'], // partial days at both ends
      ['2025-01-03T01:00:00.000Z', '2025-01-03T22:00:00.000Z'], // inside one day
      ['2025-01-03T20:00:00.000Z', '2025-01-04T04:00:00.000Z'], // across one midnight
    ];
    for (const [from, to] of ranges) {
      for (const groupBy of ['model', 'provider', 'intent', 'day'] as const) {
        const key =
          groupBy === 'day' ? `to_char((created_at AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD')` : groupBy;
        const naive: NaiveGroup[] = await app.dataSource.query(
          `SELECT ${key} AS g, count(*)::int8 AS requests, sum(cost_nano)::int8 AS cost_nano,
                  sum(prompt_tokens)::int8 AS prompt_tokens
             FROM usage_records WHERE tenant_id = $1 AND created_at >= $2 AND created_at < $3
            GROUP BY 1 ORDER BY 1 NULLS LAST`,
          [tenantId, from, to],
        );
        const res = await request(app.server)
          .get(`/admin/tenants/${tenantId}/usage`)
          .query({ from, to, group_by: groupBy })
          .set(admin)
          .expect(200);
        const got = res.body.groups.map(
          (g: { key: string | null; requests: number; cost_usd: number; prompt_tokens: number }) => ({
            g: g.key,
            requests: g.requests,
            cost_nano: Math.round(g.cost_usd * 1e9),
            prompt_tokens: g.prompt_tokens,
          }),
        );
        expect(got).toEqual(naive.map((row) => ({ ...row, requests: Number(row.requests) })));
        const total = naive.reduce((n, row) => n + Number(row.requests), 0);
        expect(res.body.totals.requests).toBe(total);
      }
    }
    const all = await request(app.server)
      .get(`/admin/tenants/${tenantId}/usage`)
      .query({ from: '2024-12-01', to: '2025-02-01' })
      .set(admin)
      .expect(200);
    expect(all.body.totals.requests).toBe(3_000);
    expect(all.body.totals.errors).toBe(events.filter((e) => e.status >= 400).length);
    expect(all.body.totals.cache_hits).toBe(300);
    expect(all.body.totals.saved_usd).toBeCloseTo(300 * 1e-6, 12);
    expect(all.body.groups).toEqual([]);
  });

  it('rolls written rows up on its own timer (no flush): the daily roll-up counts them', async () => {
    const { tenantId, key } = await tenantWithKey(app, 'rolled-by-timer');
    for (let i = 0; i < 3; i++) {
      await request(app.server)
        .post('/v1/test/charge')
        .set(bearer(key))
        .send({ max_cost_nano: 1000, cost_nano: 1000 })
        .expect(200);
    }
    // Acknowledged = the raw rows are written; the roll-up pass runs every USAGE_FLUSH_INTERVAL_MS.
    const rolled = async () =>
      Number(
        (
          await app.dataSource.query(
            `SELECT COALESCE(sum(requests), 0)::int8 AS n FROM usage_daily WHERE tenant_id = $1`,
            [tenantId],
          )
        )[0].n,
      );
    const deadline = Date.now() + 10_000;
    while ((await rolled()) < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    expect(await rolled()).toBe(3);
    const [queued] = await app.dataSource.query(
      `SELECT count(*)::int AS n FROM usage_rollup_queue WHERE tenant_id = $1`,
      [tenantId],
    );
    expect(queued.n).toBe(0);
  });

  it('sweeps rows another replica wrote but never rolled up (killed between its write and its pass)', async () => {
    const { tenantId } = await tenantWithKey(app, 'dead-replica');
    // "Another replica": the real writer's acknowledged write, and no roll-up pass after it.
    const [first] = syntheticEvents(tenantId, Date.now() - HOUR, 1, 1);
    await new SqlUsageWriter(app.dataSource).write([{ ...first, costNano: 4_242 }]);
    const rolled = async () =>
      (
        await app.dataSource.query(
          `SELECT COALESCE(sum(cost_nano), 0)::int8 AS cost FROM usage_daily WHERE tenant_id = $1`,
          [tenantId],
        )
      )[0].cost;
    // This replica writes nothing for that tenant: only its sweep (5 × USAGE_FLUSH_INTERVAL_MS) can.
    const deadline = Date.now() + 10_000;
    while (Number(await rolled()) !== 4_242 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 25));
    expect(Number(await rolled())).toBe(4_242);
  });

  it('validates the usage query', async () => {
    const { tenantId } = await tenantWithKey(app, 'queried');
    await request(app.server).get(`/admin/tenants/${tenantId}/usage?group_by=week`).set(admin).expect(400);
    await request(app.server).get(`/admin/tenants/${tenantId}/usage?from=yesterday`).set(admin).expect(400);
    await request(app.server)
      .get(`/admin/tenants/${tenantId}/usage?from=2025-02-01&to=2025-01-01`)
      .set(admin)
      .expect(400)
      .expect((res) => expect(res.body.error.param).toBe('from'));
    await request(app.server).get(`/admin/tenants/${tenantId}/usage?limit=3`).set(admin).expect(400);
    await request(app.server)
      .get(`/admin/tenants/00000000-0000-0000-0000-0000000000ff/usage`)
      .set(admin)
      .expect(404);
  });

  it('keeps serving requests during a database outage and writes the records once it is back', async () => {
    const { tenantId, key } = await tenantWithKey(app, 'outage');
    const recorder = app.get<UsageRecorderService>(UsageRecorderService);
    await recorder.flush();
    const errorsBefore = recorder.stats().flushErrors;
    // The usage table "disappears": every flush fails until it is back.
    await app.dataSource.query(`ALTER TABLE usage_records RENAME TO usage_records_away`);
    try {
      // Requests keep being answered: recording never waits on the database.
      for (let i = 0; i < 20; i++) {
        await request(app.server)
          .post('/v1/test/charge')
          .set(bearer(key))
          .send({ max_cost_nano: 1000, cost_nano: 1000 })
          .expect(200);
      }
      await recorder.flush();
      expect(recorder.stats().flushErrors).toBeGreaterThan(errorsBefore);
      expect(recorder.stats().buffered).toBe(20);
    } finally {
      await app.dataSource.query(`ALTER TABLE usage_records_away RENAME TO usage_records`);
    }
    // Retried by the recorder's own timer, with exponential backoff (a few seconds at most here).
    const deadline = Date.now() + 25_000;
    while (recorder.stats().buffered > 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(recorder.stats().buffered).toBe(0);
    // `buffered` excludes the batch being written: wait for that write to finish too.
    await recorder.flush();
    const [row] = await app.dataSource.query(
      `SELECT count(*)::int8 AS n, sum(cost_nano)::int8 AS cost FROM usage_records WHERE tenant_id = $1`,
      [tenantId],
    );
    expect(row).toEqual({ n: 20, cost: 20_000 });
  }, 40_000);
}

describe('usage on the embedded database', () => {
  usageContract(() =>
    bootBillingApp({ DATA_DIR: ':memory:', ADMIN_API_KEY: ADMIN_KEY, USAGE_FLUSH_INTERVAL_MS: '50' }),
  );
});

describeIfPostgres('usage on Postgres', () => {
  let database: TestDatabase;
  usageContract(async () => {
    database = await createTestDatabase();
    return bootBillingApp({
      DATABASE_URL: database.url,
      ADMIN_API_KEY: ADMIN_KEY,
      USAGE_FLUSH_INTERVAL_MS: '50',
      // The plain-statement path on a server (the spend-report and budget suites use prepared ones).
      DATABASE_PREPARED_STATEMENTS: 'false',
    });
  });
  afterAll(async () => database?.drop());
});

describe('usage records at shutdown', () => {
  it('writes every buffered record before the database closes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mm-usage-'));
    try {
      // The timer never fires during the test: only the shutdown flush can write the records.
      const env = {
        DATA_DIR: dir,
        ADMIN_API_KEY: ADMIN_KEY,
        USAGE_FLUSH_INTERVAL_MS: '600000',
        USAGE_BATCH_SIZE: '1000',
        USAGE_DURABLE_ACK: 'false', // buffered: answered before the records are written
      };
      const app = await bootBillingApp(env);
      const { tenantId, key } = await tenantWithKey(app, 'shutdown');
      const charges = Array.from({ length: 150 }, () =>
        request(app.server)
          .post('/v1/test/charge')
          .set(bearer(key))
          .send({ max_cost_nano: 10, cost_nano: 7 }),
      );
      expect((await Promise.all(charges)).every((res) => res.status === 200)).toBe(true);
      expect(app.get<UsageRecorderService>(UsageRecorderService).stats().buffered).toBe(150);
      await app.close();

      const reopened = await bootBillingApp(env);
      try {
        const [row] = await reopened.dataSource.query(
          `SELECT count(*)::int8 AS n, sum(cost_nano)::int8 AS cost FROM usage_records WHERE tenant_id = $1`,
          [tenantId],
        );
        expect(row).toEqual({ n: 150, cost: 1_050 });
        const [daily] = await reopened.dataSource.query(
          `SELECT sum(requests)::int8 AS n FROM usage_daily WHERE tenant_id = $1`,
          [tenantId],
        );
        expect(daily.n).toBe(150);
      } finally {
        await reopened.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000); // two boots of the embedded database: ~20 s each on a loaded 2-core machine
});
