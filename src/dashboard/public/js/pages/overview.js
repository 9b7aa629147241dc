// Overview: requests, errors, spend and cache savings over the last 30 days (the spend report
// grouped by day), top tenants and models, p50/p99 latency per day (the latency roll-up). One
// request per panel.
import { get, query } from '../api.js';
import { barChart, lineChart } from '../charts.js';
import { errorBox, fill, h, int, load, notAvailable, panel, usd } from '../dom.js';
import { perDay, range, tenantPicker, tenants, tile, usageReport } from './shared.js';

function totalsTiles(totals) {
  return h(
    'div.tiles',
    {},
    tile('Requests', int(totals.requests), 'requests'),
    tile('Errors', int(totals.errors), 'errors'),
    tile('Spend', usd(totals.cost_usd), 'spend'),
    tile('Cache hits', int(totals.cache_hits), 'cache-hits'),
    tile('Cache savings', usd(totals.saved_usd), 'savings'),
    totals.refusals === undefined ? null : tile('Refused', int(totals.refusals), 'refusals'),
  );
}

function dailyCharts(labels, groups, dayOf) {
  return [
    lineChart({
      title: 'Requests and errors per day',
      labels,
      format: int,
      series: [
        { name: 'Requests', values: perDay(labels, groups, dayOf, (g) => g.requests) },
        { name: 'Errors', values: perDay(labels, groups, dayOf, (g) => g.errors) },
      ],
    }),
    lineChart({
      title: 'Spend and cache savings per day (USD)',
      labels,
      format: usd,
      series: [
        { name: 'Spend', values: perDay(labels, groups, dayOf, (g) => g.cost_usd) },
        { name: 'Cache savings', values: perDay(labels, groups, dayOf, (g) => g.saved_usd) },
      ],
    }),
  ];
}

function topBars(title, groups, labelOf) {
  const rows = [...groups].sort((a, b) => b.cost_usd - a.cost_usd || b.requests - a.requests).slice(0, 10);
  if (rows.length === 0) return h('p.muted', {}, 'No usage in the range.');
  return barChart({ title, format: usd, rows: rows.map((g) => ({ label: labelOf(g), value: g.cost_usd })) });
}

const ms = (value) => (value === null || value === undefined ? '—' : `${int(value)} ms`);

/**
 * p50 / p99 latency of served client requests, per UTC day and over the range, from the latency
 * roll-up (GET /admin/usage/latency): every replica, across restarts.
 */
function latencyPanel(target, period) {
  return load(
    target,
    get(`/admin/usage/latency${query({ from: period.from, to: period.to })}`),
    (report) => {
      const byDay = new Map(report.days.map((d) => [d.day, d]));
      const series = (name, field) => ({
        name,
        values: period.labels.map((label) => byDay.get(label)?.[field] ?? null),
      });
      return [
        h(
          'div.tiles',
          {},
          tile('p50 latency', ms(report.totals.p50_ms), 'p50'),
          tile('p99 latency', ms(report.totals.p99_ms), 'p99'),
        ),
        lineChart({
          title: 'p50 and p99 latency per day (ms)',
          labels: period.labels,
          format: (v) => `${int(v)} ms`,
          peak: true,
          series: [series('p50', 'p50_ms'), series('p99', 'p99_ms')],
        }),
        h(
          'p.muted',
          {},
          'Served client requests (refused ones excluded), every replica, from stored usage; quantiles within about ±10 %.',
        ),
      ];
    },
    'Latency over time (GET /admin/usage/latency)',
  );
}

/** Without /admin/usage: one tenant at a time, from GET /admin/tenants/:id/usage. */
async function perTenantOverview(container, period) {
  const list = await tenants();
  const summary = panel('Usage of one tenant');
  const days = panel('Per day');
  const models = panel('Top models by spend');
  const showTenant = (id) => {
    const base = `/admin/tenants/${id}/usage`;
    return Promise.all([
      load(
        summary,
        get(`${base}${query({ from: period.from, to: period.to, group_by: 'day' })}`),
        (report) => {
          fill(
            days,
            dailyCharts(period.labels, report.groups, (g) => g.key),
          );
          return totalsTiles(report.totals);
        },
      ),
      load(
        models,
        get(`${base}${query({ from: period.from, to: period.to, group_by: 'model' })}`),
        (report) => topBars('Top models by spend', report.groups, (g) => g.key ?? 'none'),
      ),
    ]);
  };
  container.append(
    notAvailable('The cross-tenant spend report (GET /admin/usage)'),
    list.length ? tenantPicker(list, showTenant) : h('p.muted', {}, 'No tenant yet.'),
    summary,
    days,
    models,
  );
  if (list.length) await showTenant(list[0].id);
}

export async function overviewPage(container) {
  const period = range();
  container.append(
    h('h1', {}, 'Overview'),
    h('p.muted', {}, `Last 30 days (${period.labels[0]} to today, UTC).`),
  );
  let daily;
  try {
    daily = await usageReport({ from: period.from, to: period.to, group_by: 'day' });
  } catch (error) {
    if (!error.notAvailable) return void container.append(errorBox(error));
    await perTenantOverview(container, period);
    return void (await latencyPanel(appendPanel(container, 'Latency'), period));
  }
  const totals = appendPanel(container, 'Totals');
  fill(totals, totalsTiles(daily.totals));
  fill(
    appendPanel(container, 'Per day'),
    dailyCharts(period.labels, daily.groups, (g) => g.day),
  );
  const topTenants = appendPanel(container, 'Top tenants by spend');
  const topModels = appendPanel(container, 'Top models by spend');
  const latency = appendPanel(container, 'Latency');
  await Promise.all([
    // One request: the report grouped by tenant names its tenants (tenant_name).
    load(topTenants, usageReport({ from: period.from, to: period.to, group_by: 'tenant' }), (report) =>
      topBars('Top tenants by spend', report.groups, (g) => g.tenant_name ?? g.tenant ?? 'none'),
    ),
    load(topModels, usageReport({ from: period.from, to: period.to, group_by: 'model' }), (report) =>
      topBars('Top models by spend', report.groups, (g) => g.model ?? 'none'),
    ),
    latencyPanel(latency, period),
  ]);
}

function appendPanel(container, title) {
  const section = panel(title);
  container.append(section);
  return section;
}
