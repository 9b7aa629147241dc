import { Client } from 'pg';
import { bootTestApp, TEST_ADMIN_KEY, type TestApp } from '../support/app';
import { startChildGateway, type ChildGateway } from '../support/child-gateway';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { createTestDatabase, describeIfPostgres, type TestDatabase } from '../support/postgres';
import { createTenantWithKey } from '../support/tenants';

/**
 * A replica killed with SIGKILL mid-stream (real Postgres): what it had reserved of a budget is
 * not stranded for the rest of the period — another replica gives it back once the dead
 * replica's holds expire (BUDGET_HOLD_TTL_MS), and the budget is usable again.
 */
const HOLD_TTL_MS = 1_500;

describeIfPostgres('a replica killed mid-stream', () => {
  let database: TestDatabase;
  let fake: FakeUpstream;
  let doomed: ChildGateway | undefined;
  let survivor: TestApp | undefined;
  let pg: Client;

  beforeAll(async () => {
    database = await createTestDatabase();
    fake = await startFakeUpstream();
    pg = new Client({ connectionString: database.url });
  });
  afterAll(async () => {
    await doomed?.kill('SIGKILL');
    await survivor?.close();
    await pg?.end().catch(() => undefined);
    await fake?.close();
    await database?.drop();
  });

  async function reservedNano(): Promise<number> {
    const rows = await pg.query(
      `SELECT COALESCE(sum(reserved_nano), 0)::int8 AS reserved FROM budget_counters`,
    );
    return Number(rows.rows[0].reserved);
  }

  it('gives its reservations back after the hold TTL, and the budget serves again', async () => {
    const env = {
      ...fake.env(),
      MODE: 'basic',
      TEST_MODE: 'false',
      DATABASE_URL: database.url,
      ADMIN_API_KEY: TEST_ADMIN_KEY,
      BUDGET_HOLD_TTL_MS: String(HOLD_TTL_MS),
      PROVIDER_MAX_RETRIES: '0',
    };
    doomed = await startChildGateway(env);
    await pg.connect();
    const { tenantId, key } = await createTenantWithKey(doomed.url, TEST_ADMIN_KEY, 'doomed-team');
    const budget = await fetch(`${doomed.url}/admin/tenants/${tenantId}/budget`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ limit_usd: 0.05, period: 'daily' }),
    });
    expect(budget.status).toBe(200);

    // A long stream: its worst case (16k output tokens of gpt-4o ≈ $0.16) cannot fit the
    // budget, so the gateway must have reserved it exactly — with max_tokens it fits.
    fake.setDefault({ completionTokens: 600, chunkWords: 2, chunkDelayMs: 40 });
    const controller = new AbortController();
    const response = await fetch(`${doomed.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'gpt-4o',
        max_tokens: 1_000,
        stream: true,
        messages: [{ role: 'user', content: 'Tell me a very long story.' }],
      }),
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    await reader.read(); // the first chunk: the request is in flight upstream
    expect(await reservedNano()).toBeGreaterThan(0);

    const exit = await doomed.kill('SIGKILL');
    expect(exit.signal).toBe('SIGKILL');
    controller.abort();
    doomed = undefined;
    // Nothing settles it: the reservation is stranded until a live replica reclaims it.
    expect(await reservedNano()).toBeGreaterThan(0);

    survivor = await bootTestApp({ ...env, DATA_DIR: undefined });
    const deadline = Date.now() + HOLD_TTL_MS * 4;
    while ((await reservedNano()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(await reservedNano()).toBe(0);

    fake.setDefault({ completionTokens: 10 });
    const again = await survivor.http
      .post('/v1/chat/completions')
      .set({ authorization: `Bearer ${key}` })
      .send({ model: 'gpt-4o', max_tokens: 1_000, messages: [{ role: 'user', content: 'hello' }] });
    expect(again.status).toBe(200);
    const holds = await pg.query(`SELECT count(*)::int AS n FROM budget_holds WHERE expires_at < now()`);
    expect(holds.rows[0].n).toBe(0);
  }, 120_000);
});
