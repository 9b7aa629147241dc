// Routing: intent mix and model mix (spend report grouped by intent / provider+model),
// auto-routing savings against always-premium and fallbacks (GET /admin/usage/routing, from the
// routing roll-up: every replica), routing decisions and circuit breakers (this replica's
// Prometheus counters and state).
import { get, query } from '../api.js';
import { barChart } from '../charts.js';
import { errorBox, fill, h, int, load, panel, pct, table, usd } from '../dom.js';
import { parsePrometheus, sumBy } from '../metrics.js';
import { range, tile, usageReport } from './shared.js';

/** Bars drawn in a mix chart (the table under it lists every group). */
const MIX_BARS = 12;

function mix(title, groups, labelOf) {
  if (groups.length === 0) return h('p.muted', {}, 'No requests in the range.');
  const total = groups.reduce((sum, g) => sum + g.requests, 0) || 1;
  const rows = [...groups].sort((a, b) => b.requests - a.requests);
  return [
    barChart({
      title: rows.length > MIX_BARS ? `${title} (top ${MIX_BARS})` : title,
      format: int,
      withTable: false,
      rows: rows.slice(0, MIX_BARS).map((g) => ({ label: labelOf(g), value: g.requests })),
    }),
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

async function metricsPanels(decisions, circuits) {
  let samples;
  try {
    samples = parsePrometheus(await get('/metrics/prometheus', { as: 'text' }));
  } catch (error) {
    const message =
      error.status === 401
        ? h('p.notice', {}, 'The metrics endpoint asks for METRICS_TOKEN on this gateway.')
        : errorBox(error);
    for (const target of [decisions, circuits]) fill(target, message.cloneNode(true));
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

function savingsView(savings) {
  if (savings.requests === 0) return h('p.muted', {}, 'No auto-routed request in the range.');
  return [
    h(
      'div.tiles',
      {},
      tile('Auto-routed requests', int(savings.requests), 'routed-requests'),
      tile('Spend', usd(savings.cost_usd), 'routed-spend'),
      tile('Always-premium cost', usd(savings.premium_cost_usd), 'premium-cost'),
      tile('Saved', usd(savings.saved_usd), 'routing-savings'),
      tile(
        'Saved share',
        savings.saved_ratio === null ? '—' : pct(savings.saved_ratio),
        'routing-savings-ratio',
      ),
    ),
    table(
      'Savings by intent',
      [
        { label: 'Intent', value: (l) => l.intent ?? 'none' },
        { label: 'Premium model', value: (l) => l.premium_model ?? '—' },
        { label: 'Requests', numeric: true, value: (l) => int(l.requests) },
        { label: 'Spend', numeric: true, value: (l) => usd(l.cost_usd) },
        { label: 'Always premium', numeric: true, value: (l) => usd(l.premium_cost_usd) },
        { label: 'Saved', numeric: true, value: (l) => usd(l.saved_usd) },
      ],
      savings.by_intent,
    ),
    h(
      'p.muted',
      {},
      'Requests the router chose the model for, against the same tokens at the premium model best at their intent (current catalog prices).',
    ),
  ];
}

function fallbackView(fallbacks) {
  return table(
    'Requests answered by a fallback',
    [
      { label: 'Answered by', value: (f) => `${f.provider} / ${f.model}` },
      { label: 'Requests', numeric: true, value: (f) => int(f.requests) },
    ],
    fallbacks.by_model,
    'No request needed a fallback in the range.',
  );
}

/** Savings and fallbacks: one request (GET /admin/usage/routing) for both panels. */
async function routingRollupPanels(savings, fallbacks, period) {
  try {
    const report = await get(`/admin/usage/routing${query({ from: period.from, to: period.to })}`);
    fill(savings, savingsView(report.savings));
    fill(fallbacks, fallbackView(report.fallbacks));
  } catch (error) {
    for (const target of [savings, fallbacks]) fill(target, errorBox(error));
  }
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
      'Mixes, savings and fallbacks: last 30 days, every tenant you may see. Decisions and circuit breakers: the replica that answered, since it started.',
    ),
    intents,
    models,
    savings,
    decisions,
    fallbacks,
    circuits,
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
    routingRollupPanels(savings, fallbacks, period),
    metricsPanels(decisions, circuits),
  ]);
}
