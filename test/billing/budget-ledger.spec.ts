import type { DataSource } from 'typeorm';
import { BudgetStore } from '../../src/billing/budgets/budget-store';
import { describeIfPostgres } from '../support/postgres';
import { openEmbeddedDataSource, openPostgresDataSource } from '../support/data-sources';

/**
 * The reservation ledger (budget_holds): reservations of a replica that stops extending its
 * holds are given back by another replica; a "dead" replica that comes back settles without
 * giving anything back twice; the counter's reserved_nano always equals the sum of the holds.
 * The same checks run on the embedded database and on the real Postgres.
 */
const TTL_MS = 600;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function ledgerContract(open: () => Promise<{ dataSource: DataSource; close: () => Promise<void> }>) {
  let dataSource: DataSource;
  let close: () => Promise<void>;
  const start = Date.UTC(2026, 11, 1);

  beforeAll(async () => {
    ({ dataSource, close } = await open());
  });
  afterAll(async () => close());

  async function newBudget(limitNano: number): Promise<string> {
    const [tenant] = await dataSource.query(`INSERT INTO tenants (name) VALUES ($1) RETURNING id`, [
      `t-${Math.random().toString(36).slice(2)}`,
    ]);
    const [budget] = await dataSource.query(
      `INSERT INTO budgets (tenant_id, period, limit_nano) VALUES ($1, 'monthly', $2) RETURNING id`,
      [tenant.id, limitNano],
    );
    return budget.id;
  }

  async function state(budgetId: string) {
    const [counter] = await dataSource.query(
      `SELECT spent_nano, reserved_nano FROM budget_counters WHERE budget_id = $1`,
      [budgetId],
    );
    const holds: Array<{ holder: string; reserved_nano: number }> = await dataSource.query(
      `SELECT holder, reserved_nano FROM budget_holds WHERE budget_id = $1 ORDER BY holder`,
      [budgetId],
    );
    const held = holds.reduce((sum, hold) => sum + Number(hold.reserved_nano), 0);
    return {
      spent: Number(counter.spent_nano),
      reserved: Number(counter.reserved_nano),
      held,
      holders: holds.map((hold) => hold.holder),
    };
  }

  const store = (id: string) => new BudgetStore(dataSource, { id, ttlMs: TTL_MS });

  it('records every reservation in the holder’s hold, and releases come out of it', async () => {
    const budgetId = await newBudget(1_000);
    const a = store('replica-a');
    const b = store('replica-b');
    expect(await a.reserve(budgetId, start, 300)).toMatchObject({ reservedNano: 300 });
    expect(await b.reserve(budgetId, start, 200)).toMatchObject({ reservedNano: 500 });
    expect(await a.reserve(budgetId, start, 100)).toMatchObject({ reservedNano: 600 });
    expect(await state(budgetId)).toEqual({
      spent: 0,
      reserved: 600,
      held: 600,
      holders: ['replica-a', 'replica-b'],
    });
    // Over the limit: refused, and nothing is held for it.
    expect(await b.reserve(budgetId, start, 500)).toBeNull();
    await a.applyDeltas([{ budgetId, periodStart: start, releasedNano: 300, spentNano: 120 }]);
    expect(await state(budgetId)).toMatchObject({ spent: 120, reserved: 300, held: 300 });
  });

  it('gives back the holds of a replica that stopped extending them, once', async () => {
    const budgetId = await newBudget(1_000);
    const dead = store('replica-dead');
    const alive = store('replica-alive');
    await dead.reserve(budgetId, start, 700);
    await alive.reserve(budgetId, start, 200);
    // The budget is nearly exhausted while the dead replica's reservation stands.
    expect(await alive.reserve(budgetId, start, 200)).toBeNull();
    await sleep(TTL_MS / 2);
    await alive.heartbeat();
    await alive.reclaimExpired();
    expect(await state(budgetId)).toMatchObject({ reserved: 900, held: 900 });
    await sleep(TTL_MS / 2 + 100);
    await alive.heartbeat();
    // (The ledger is global: holds that earlier tests left to expire go back too.)
    expect(await alive.reclaimExpired()).toBeGreaterThanOrEqual(700);
    expect(await state(budgetId)).toEqual({ spent: 0, reserved: 200, held: 200, holders: ['replica-alive'] });
    expect(await alive.reserve(budgetId, start, 500)).toMatchObject({ reservedNano: 700 });
    // The "dead" replica was only paused: its late settlement adds the spend and gives back
    // nothing more (its reservation was already given back).
    await dead.applyDeltas([{ budgetId, periodStart: start, releasedNano: 700, spentNano: 650 }]);
    expect(await state(budgetId)).toMatchObject({ spent: 650, reserved: 700, held: 700 });
    await alive.reclaimExpired();
    expect(await state(budgetId)).toMatchObject({ spent: 650, reserved: 700, held: 700 });
  });

  it('records spend without a reservation (charge) even when the period has no counter yet', async () => {
    const budgetId = await newBudget(1_000);
    await store('replica-a').applyDeltas([{ budgetId, periodStart: start, releasedNano: 0, spentNano: 77 }]);
    expect(await state(budgetId)).toMatchObject({ spent: 77, reserved: 0, held: 0 });
  });

  it('a heartbeat keeps a live replica’s holds, however long its requests run', async () => {
    const budgetId = await newBudget(1_000);
    const slow = store('replica-slow');
    const other = store('replica-other');
    await slow.reserve(budgetId, start, 400);
    for (let i = 0; i < 4; i++) {
      await sleep(TTL_MS / 3);
      expect(await slow.heartbeat()).toBeGreaterThanOrEqual(1);
      await other.reclaimExpired();
    }
    expect(await state(budgetId)).toMatchObject({ reserved: 400, held: 400 });
    await slow.applyDeltas([{ budgetId, periodStart: start, releasedNano: 400, spentNano: 0 }]);
    await other.reclaimExpired(); // drops the empty hold
    expect(await state(budgetId)).toEqual({ spent: 0, reserved: 0, held: 0, holders: [] });
  });
}

describe('budget reservation ledger on the embedded database (PGlite)', () => {
  ledgerContract(openEmbeddedDataSource);
});

describeIfPostgres('budget reservation ledger on Postgres', () => {
  let dataSource: DataSource;
  ledgerContract(async () => {
    const opened = await openPostgresDataSource({ DATABASE_POOL_SIZE: '8' });
    dataSource = opened.dataSource;
    return opened;
  });

  it('keeps reserved = the sum of the holds under concurrent reserve, settle, heartbeat and reclaim', async () => {
    const [tenant] = await dataSource.query(`INSERT INTO tenants (name) VALUES ('race') RETURNING id`);
    const [budget] = await dataSource.query(
      `INSERT INTO budgets (tenant_id, period, limit_nano) VALUES ($1, 'total', 1000000) RETURNING id`,
      [tenant.id],
    );
    const start = Date.UTC(2000, 0, 1);
    const stores = ['r1', 'r2', 'r3'].map((id) => new BudgetStore(dataSource, { id, ttlMs: 60_000 }));
    const work: Array<Promise<unknown>> = [];
    for (let i = 0; i < 60; i++) {
      const replica = stores[i % 3];
      work.push(
        replica.reserve(budget.id, start, 1_000).then(async (granted) => {
          if (granted)
            await replica.applyDeltas([
              { budgetId: budget.id, periodStart: start, releasedNano: 1_000, spentNano: 10 },
            ]);
        }),
      );
      if (i % 10 === 0) work.push(replica.heartbeat(), replica.reclaimExpired());
    }
    await Promise.all(work);
    const [counter] = await dataSource.query(
      `SELECT spent_nano, reserved_nano FROM budget_counters WHERE budget_id = $1`,
      [budget.id],
    );
    const [holds] = await dataSource.query(
      `SELECT COALESCE(sum(reserved_nano), 0) AS held FROM budget_holds WHERE budget_id = $1`,
      [budget.id],
    );
    expect(Number(counter.reserved_nano)).toBe(0);
    expect(Number(holds.held)).toBe(0);
    expect(Number(counter.spent_nano)).toBe(600);
  });
});
