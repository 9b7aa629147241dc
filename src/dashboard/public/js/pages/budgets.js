// Budgets: every budget the caller may see (tenant and key budgets), with spent / reserved /
// remaining bars, the soft limit and the forecast to period end. ONE request: GET /admin/budgets.
import { get } from '../api.js';
import { h, load, panel } from '../dom.js';
import { budgetView } from './budget-view.js';

function title(budget) {
  return budget.scope === 'key'
    ? `${budget.tenant_name} / key ${budget.key_name ?? budget.api_key_id}`
    : budget.tenant_name;
}

export async function budgetsPage(container) {
  const list = panel('Budgets');
  container.append(
    h('h1', {}, 'Budgets'),
    h(
      'p.muted',
      {},
      'Bars: spent (solid), reserved by requests in flight (lighter), soft limit (tick), forecast at period end (dashed, linear). Tenant budgets first, then their keys’.',
    ),
    list,
  );
  await load(
    list,
    get('/admin/budgets'),
    (body) => [
      body.data.length
        ? body.data.map((budget) => budgetView(budget, title(budget)))
        : h('p.muted', {}, 'No budget is set.'),
      body.has_more ? h('p.muted', {}, `The first ${body.data.length} budgets are shown.`) : null,
    ],
    'The budget list (GET /admin/budgets)',
  );
}
