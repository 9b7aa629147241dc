// One budget: its bar (spent, reserved, limit, soft limit, forecast) and its figures.
import { budgetBar } from '../charts.js';
import { date, h, pct, usd } from '../dom.js';

/**
 * Linear forecast of the spend at period end (null for `total` budgets: no end): the server's
 * (GET /admin/budgets gives forecast_usd), else computed the same way here.
 */
export function forecast(budget, now = Date.now()) {
  if (budget.forecast_usd !== undefined) return budget.forecast_usd;
  if (!budget.period_end) return null;
  const start = Date.parse(budget.period_start);
  const end = Date.parse(budget.period_end);
  const elapsed = Math.min(end - start, Math.max(now - start, 60_000));
  return Math.max(budget.spent_usd, (budget.spent_usd / elapsed) * (end - start));
}

function figures(budget, expected) {
  const figure = (label, name, text) =>
    h('div', {}, h('dt', {}, label), h('dd', { dataset: { field: name } }, text));
  const end = budget.period_end ? date(budget.period_end) : 'no end';
  return h(
    'dl.budget-figures',
    {},
    figure('Spent', 'spent', usd(budget.spent_usd)),
    figure('Reserved', 'reserved', usd(budget.reserved_usd)),
    figure('Remaining', 'remaining', usd(budget.remaining_usd)),
    figure('Limit', 'limit', usd(budget.limit_usd)),
    figure('Forecast at period end', 'forecast', expected === null ? '—' : usd(expected)),
    figure('Period', 'period', `${date(budget.period_start)} → ${end}`),
  );
}

export function budgetView(budget, title) {
  const expected = forecast(budget);
  const used = budget.spent_usd + budget.reserved_usd;
  const share = pct(budget.limit_usd ? used / budget.limit_usd : 0);
  const label = `${title}: ${usd(budget.spent_usd)} spent and ${usd(budget.reserved_usd)} reserved of ${usd(budget.limit_usd)} (${share}), ${budget.period}`;
  const source = budget.managed_by === 'config' ? ', from configuration' : '';
  return h(
    'div.budget',
    { dataset: { budget: budget.id } },
    h(
      'div.budget-head',
      {},
      h('strong', {}, title),
      h('span.muted', {}, ` ${budget.period}, ${budget.action} at ${pct(budget.soft_limit_ratio)}${source}`),
    ),
    budgetBar({
      limit: budget.limit_usd,
      spent: budget.spent_usd,
      reserved: budget.reserved_usd,
      softRatio: budget.soft_limit_ratio,
      forecast: expected,
      label,
    }),
    figures(budget, expected),
  );
}
