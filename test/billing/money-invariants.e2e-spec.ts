import { Client } from 'pg';
import { BudgetEnforcerService } from '../../src/billing/budgets/budget-enforcer.service';
import { UsageRecorderService } from '../../src/billing/usage/usage-recorder.service';
import { bootTestApp, TEST_ADMIN_KEY, type TestApp } from '../support/app';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { createTestDatabase, describeIfPostgres, type TestDatabase } from '../support/postgres';
import { deleteRedisPrefix, SERVER_REDIS_URL, uniqueRedisPrefix } from '../support/redis';
import { createTenantWithKey } from '../support/tenants';

/**
 * The money invariants under faults, on real Postgres with two replicas racing through the whole
 * chat pipeline: garbage usage from the upstream, clients that abandon calls, and a parallel
 * burst far over the budget. Spend never exceeds the limit by more than one request's upper
 * bound, the ledger holds no NaN and no stranded reservation, and a bystander tenant's spend is
 * exactly what its responses reported.
 */
/** What the assertions read of a chat response. */
interface ChatResponse {
  router_metadata: { cost_usd: number };
}

const describeIfShared = SERVER_REDIS_URL ? describeIfPostgres : describe.skip;
const admin = { authorization: `Bearer ${TEST_ADMIN_KEY}` };
/** gpt-4o with max_tokens 50: the upper bound of one request is < $0.0006. */
const UPPER_BOUND_USD = 0.0006;
const LIMIT_USD = 0.006;

describeIfShared('money invariants: two replicas, garbage usage, aborted clients (Postgres)', () => {
  let database: TestDatabase;
  let prefix: string;
  let fake: FakeUpstream;
  let replicas: TestApp[] = [];
  let pg: Client;

  beforeAll(async () => {
    database = await createTestDatabase();
    prefix = uniqueRedisPrefix();
    fake = await startFakeUpstream({ record: false });
    const env = {
      ...fake.env(),
      TEST_MODE: 'false',
      MODE: 'enhanced',
      DATA_DIR: undefined,
      DATABASE_URL: database.url,
      REDIS_URL: SERVER_REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      ADMIN_API_KEY: TEST_ADMIN_KEY,
      PROVIDER_MAX_RETRIES: '0',
      RATE_LIMIT_RPM: '0',
      TENANT_MAX_IN_FLIGHT: '0',
      TENANT_MAX_STREAMS: '0',
    };
    replicas = [await bootTestApp(env, { listen: true }), await bootTestApp(env, { listen: true })];
    pg = new Client({ connectionString: database.url });
    await pg.connect();
  });
  afterAll(async () => {
    for (const replica of replicas) await replica.close();
    await pg?.end();
    await fake?.close();
    await database?.drop();
    await deleteRedisPrefix(prefix);
  });

  async function settleEverything(): Promise<void> {
    for (const replica of replicas) {
      const budgets = replica.app.get(BudgetEnforcerService);
      budgets.releaseLeases();
      await budgets.flush();
      await replica.app.get(UsageRecorderService).flush();
    }
  }

  function send(replica: TestApp, key: string, content: string, abortAfterMs?: number) {
    const controller = new AbortController();
    if (abortAfterMs !== undefined) setTimeout(() => controller.abort(), abortAfterMs);
    return fetch(`${replica.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o', max_tokens: 50, messages: [{ role: 'user', content }] }),
      signal: controller.signal,
    }).then(
      async (response) => ({ status: response.status, body: (await response.json()) as ChatResponse }),
      () => ({ status: 0, body: null as ChatResponse | null }),
    );
  }

  it('holds every invariant under a parallel burst with faults', async () => {
    const victim = await createTenantWithKey(replicas[0].url, TEST_ADMIN_KEY, 'victim');
    const bystander = await createTenantWithKey(replicas[1].url, TEST_ADMIN_KEY, 'bystander');
    for (const tenant of [victim, bystander]) {
      const put = await fetch(`${replicas[0].url}/admin/tenants/${tenant.tenantId}/budget`, {
        method: 'PUT',
        headers: { ...admin, 'content-type': 'application/json' },
        body: JSON.stringify({ limit_usd: LIMIT_USD, period: 'daily' }),
      });
      expect(put.status).toBe(200);
    }
    // Every upstream answer costs ≈ $0.00053; one in three reports garbage usage, and every
    // answer takes 30 ms so that aborted clients abandon calls in flight.
    fake.setDefault({ latencyMs: 30, usage: { prompt: 10, completion: 50 } });
    fake.enqueue({ latencyMs: 30, rawUsage: {}, times: 10 });
    fake.enqueue({ latencyMs: 30, rawUsage: { prompt_tokens: 'lots', completion_tokens: -3 }, times: 10 });
    const burst = Array.from({ length: 80 }, (_, i) =>
      send(replicas[i % 2], victim.key, `question ${i}`, i % 7 === 0 ? 10 : undefined),
    );
    const outcomes = await Promise.all(burst);
    for (const outcome of outcomes) expect([0, 200, 429]).toContain(outcome.status);
    const admitted = outcomes.filter((outcome) => outcome.status === 200).length;
    expect(admitted).toBeGreaterThan(0);

    // The bystander, on its own budget, after the burst: every cost it was told is what it pays.
    let bystanderNano = 0;
    for (let i = 0; i < 6; i++) {
      const outcome = await send(replicas[i % 2], bystander.key, `mine ${i}`);
      expect(outcome.status).toBe(200);
      bystanderNano += Math.round(outcome.body!.router_metadata.cost_usd * 1e9);
    }
    await new Promise((resolve) => setTimeout(resolve, 200)); // aborted calls settle
    await settleEverything();

    const counters = await pg.query(
      `SELECT t.name, c.spent_nano::text AS spent, c.reserved_nano::text AS reserved
         FROM budget_counters c JOIN budgets b ON b.id = c.budget_id JOIN tenants t ON t.id = b.tenant_id`,
    );
    const byName = new Map(counters.rows.map((row) => [row.name, row]));
    for (const row of counters.rows) {
      expect(Number.isSafeInteger(Number(row.spent))).toBe(true);
      expect(Number(row.reserved)).toBe(0);
    }
    const victimSpent = Number(byName.get('victim')!.spent) / 1e9;
    expect(victimSpent).toBeGreaterThan(0);
    expect(victimSpent).toBeLessThanOrEqual(LIMIT_USD + UPPER_BOUND_USD);
    expect(Number(byName.get('bystander')!.spent)).toBe(bystanderNano);
    const holds = await pg.query(`SELECT COALESCE(sum(reserved_nano), 0)::int8 AS held FROM budget_holds`);
    expect(Number(holds.rows[0].held)).toBe(0);
    // Usage records agree with the counters (nothing acknowledged was lost).
    const usage = await pg.query(
      `SELECT t.name, sum(u.cost_nano)::int8 AS cost FROM usage_records u JOIN tenants t ON t.id = u.tenant_id GROUP BY t.name`,
    );
    const usageByName = new Map(usage.rows.map((row) => [row.name, Number(row.cost)]));
    expect(usageByName.get('bystander')).toBe(bystanderNano);
    expect(usageByName.get('victim')).toBe(Number(byName.get('victim')!.spent));
  });
});
