// Budgets: every tenant budget the caller may see, with spent / reserved / remaining bars, the
// soft limit and a forecast to period end. Key budgets are on each tenant's page (Tenants & keys).
import { get } from '../api.js';
import { h, load, panel } from '../dom.js';
import { budgetView } from './budget-view.js';
import { tenants, tenantsCut } from './shared.js';

async function tenantBudget(tenant) {
  try {
    return { tenant, budget: await get(`/admin/tenants/${tenant.id}/budget`) };
  } catch (error) {
    if (error.status === 404) return { tenant, budget: null };
    throw error;
  }
}

export async function budgetsPage(container) {
  const list = panel('Tenant budgets');
  container.append(
    h('h1', {}, 'Budgets'),
    h(
      'p.muted',
      {},
      'Bars: spent (solid), reserved by requests in flight (lighter), soft limit (tick), forecast at period end (dashed, linear). Key budgets: see Tenants & keys.',
    ),
    list,
  );
  await load(
    list,
    tenants().then((all) => Promise.all(all.map(tenantBudget))),
    (rows) => {
      const withBudget = rows.filter((row) => row.budget);
      const without = rows.filter((row) => !row.budget);
      return [
        withBudget.length
          ? withBudget.map((row) => budgetView(row.budget, row.tenant.name))
          : h('p.muted', {}, 'No tenant has a budget.'),
        without.length
          ? h('p.muted', {}, `Without a budget: ${without.map((row) => row.tenant.name).join(', ')}.`)
          : null,
        tenantsCut(rows),
      ];
    },
  );
}
