// Routing: intent mix and model mix (spend report grouped by intent / provider+model), routing
// decisions, fallbacks and open circuits (this replica's Prometheus counters).
import { get } from '../api.js';
import { barList } from '../charts.js';
import { errorBox, fill, h, int, load, panel, table, usd } from '../dom.js';
import { parsePrometheus, sumBy } from '../metrics.js';
import { range, usageReport } from './shared.js';

function mix(title, groups, labelOf) {
  if (groups.length === 0) return h('p.muted', {}, 'No requests in the range.');
  const total = groups.reduce((sum, g) => sum + g.requests, 0) || 1;
  const rows = [...groups].sort((a, b) => b.requests - a.requests);
  return [
    barList({ title, format: int, rows: rows.map((g) => ({ label: labelOf(g), value: g.requests })) }),
    table(
      title,
      [
        { label: 'Name', value: labelOf },
        { label: 'Requests', numeric: true, value: (g) => int(g.requests) },
        { label: 'Share', numeric: true, value: (g) => `${((g.requests / total) * 100).toFixed(1)}%` },
        { label: 'Spend', numeric: true, value: (g) => usd(g.cost_usd) },
        { label: 'Cache savings', numeric: true, value: (g) => usd(g.saved_usd) },
      ],
      rows,
    ),
  ];
}

function counterTable(caption, sums, label) {
  const rows = [...sums.entries()].filter(([, v]) => v > 0).map(([key, value]) => ({ key, value }));
  return table(
    caption,
    [
      { label, value: (r) => r.key || '—' },
      { label: 'Count', numeric: true, value: (r) => int(r.value) },
    ],
    rows.sort((a, b) => b.value - a.value),
    `None since this replica started.`,
  );
}

async function metricsPanels(decisions, fallbacks, circuits) {
  let samples;
  try {
    samples = parsePrometheus(await get('/metrics/prometheus', { as: 'text' }));
  } catch (error) {
    const message =
      error.status === 401
        ? h('p.notice', {}, 'The metrics endpoint asks for METRICS_TOKEN on this gateway.')
        : errorBox(error);
    for (const target of [decisions, fallbacks, circuits]) fill(target, message.cloneNode(true));
    return;
  }
  fill(
    decisions,
    counterTable(
      'Routing decisions by reason',
      sumBy(samples, 'modelmuxer_routing_decisions_total', 'reason'),
      'Reason',
    ),
  );
  fill(
    fallbacks,
    counterTable(
      'Provider fallbacks',
      sumBy(samples, 'modelmuxer_provider_fallbacks_total', 'provider'),
      'Provider',
    ),
  );
  const open = samples.filter((s) => s.name === 'modelmuxer_circuit_open');
  fill(
    circuits,
    table(
      'Circuit breakers',
      [
        { label: 'Provider', value: (s) => s.labels.provider ?? '—' },
        { label: 'Model', value: (s) => s.labels.model ?? '—' },
        { label: 'State', value: (s) => (s.value > 0 ? 'open' : 'closed') },
      ],
      open,
      'No circuit breaker reported yet.',
    ),
  );
}

export async function routingPage(container) {
  const period = range();
  const intents = panel('Intent mix');
  const models = panel('Model mix');
  const decisions = panel('Routing decisions');
  const fallbacks = panel('Fallbacks');
  const circuits = panel('Circuit breakers');
  const savings = panel('Auto-routing savings');
  container.append(
    h('h1', {}, 'Routing'),
    h(
      'p.muted',
      {},
      'Mixes: last 30 days, every tenant you may see. Counters: the replica that answered, since it started.',
    ),
    intents,
    models,
    savings,
    decisions,
    fallbacks,
    circuits,
  );
  fill(
    savings,
    h(
      'p.notice',
      { role: 'note' },
      'Savings against always-premium need the routing decision log, which is not available on this gateway yet; cache savings are on the Overview.',
    ),
  );
  const params = { from: period.from, to: period.to };
  await Promise.all([
    load(
      intents,
      usageReport({ ...params, group_by: 'intent' }),
      (r) => mix('Intent mix', r.groups, (g) => g.intent ?? 'none'),
      'The spend report (GET /admin/usage)',
    ),
    load(
      models,
      usageReport({ ...params, group_by: 'provider,model' }),
      (r) => mix('Model mix', r.groups, (g) => `${g.provider ?? '?'} / ${g.model ?? '?'}`),
      'The spend report (GET /admin/usage)',
    ),
    metricsPanels(decisions, fallbacks, circuits),
  ]);
}
