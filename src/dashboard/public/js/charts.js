// Hand-rolled SVG charts (no charting library: the dashboard needs a line chart, a bar list and
// a stacked budget bar, about 150 lines; a library would be 40-200 kB more to ship and review).
// Each chart is an <svg role="img"> with a text summary as its accessible name, and the data
// behind it is also given as a table (in a <details>), for screen readers and for copying.
// Colours come from CSS classes (light and dark), never inline styles (the CSP forbids them).
import { h, svg, table } from './dom.js';

const W = 640;
const H = 200;
const PAD = { left: 72, right: 16, top: 12, bottom: 28 };

function niceMax(value) {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (value <= step * magnitude) return step * magnitude;
  return 10 * magnitude;
}

function chartLabel(title, labels, series, format, peak) {
  const total = (values) => format(values.reduce((a, b) => a + b, 0));
  const describe = peak
    ? (values) => {
        const known = values.filter((v) => v !== null);
        return known.length ? `highest ${format(Math.max(...known))}` : 'no data';
      }
    : (values) => `${total(values)} in total`;
  const summary = series.map((s) => `${s.name}: ${s.values.length ? describe(s.values) : 'none'}`);
  const span = labels.length ? ` from ${labels[0]} to ${labels.at(-1)}` : '';
  return `${title}, ${labels.length} days${span}. ${summary.join('; ')}.`;
}

function dataTable(title, labels, series, format) {
  const columns = [
    { label: 'Day', value: (r) => r.label },
    ...series.map((s, i) => ({
      label: s.name,
      numeric: true,
      value: (r) => (r.values[i] === null ? '—' : format(r.values[i])),
    })),
  ];
  const rows = labels.map((label, i) => ({ label, values: series.map((s) => s.values[i]) }));
  return h('details', {}, h('summary', {}, `${title}: data`), table(title, columns, rows));
}

/**
 * The SVG of a line chart: grid with axis values, day ticks, one polyline per series. A null
 * value (no data that day, e.g. no latency without requests) is left out, not drawn as 0.
 */
function linePlot(labels, series, format, label) {
  const max = niceMax(Math.max(0, ...series.flatMap((s) => s.values).filter((v) => v !== null)));
  const innerW = W - PAD.left - PAD.right;
  const innerH = H - PAD.top - PAD.bottom;
  const x = (i) => PAD.left + (labels.length <= 1 ? innerW / 2 : (i * innerW) / (labels.length - 1));
  const y = (v) => PAD.top + innerH - (v / max) * innerH;
  const grid = [0, 0.5, 1].map((f) =>
    svg(
      'g',
      {},
      svg('line', { class: 'grid', x1: PAD.left, x2: W - PAD.right, y1: y(max * f), y2: y(max * f) }),
      svg(
        'text',
        { class: 'axis', x: PAD.left - 6, y: y(max * f) + 4, 'text-anchor': 'end' },
        format(max * f),
      ),
    ),
  );
  const step = Math.max(1, Math.ceil(labels.length / 6));
  const ticks = labels.map((tick, i) =>
    i % step === 0 || i === labels.length - 1
      ? svg('text', { class: 'axis', x: x(i), y: H - 8, 'text-anchor': 'middle' }, tick.slice(5))
      : null,
  );
  const lines = series.map((s, index) =>
    svg(
      'g',
      { class: `series s${index}` },
      svg('polyline', {
        points: s.values
          .map((v, i) => (v === null ? null : `${x(i).toFixed(1)},${y(v).toFixed(1)}`))
          .filter((point) => point !== null)
          .join(' '),
        fill: 'none',
      }),
      s.values.map((v, i) =>
        v === null
          ? null
          : svg('circle', { cx: x(i), cy: y(v), r: 3 }, svg('title', {}, `${labels[i]}: ${format(v)}`)),
      ),
    ),
  );
  const attrs = {
    viewBox: `0 0 ${W} ${H}`,
    role: 'img',
    'aria-label': label,
    preserveAspectRatio: 'xMidYMid meet',
  };
  return svg('svg', attrs, grid, ticks, lines);
}

/**
 * Line chart of series over days: series [{ name, values }], values formatted by `format`. The
 * accessible summary gives each series' total, or its highest value with `peak` (latencies).
 */
export function lineChart({ title, labels, series, format, peak = false }) {
  return h(
    'figure.chart',
    {},
    linePlot(labels, series, format, chartLabel(title, labels, series, format, peak)),
    h('figcaption', {}, legend(series)),
    dataTable(title, labels, series, format),
  );
}

function legend(series) {
  return h(
    'ul.legend',
    {},
    series.map((s, i) => h('li', {}, h(`span.swatch.s${i}`, { 'aria-hidden': 'true' }), s.name)),
  );
}

/** Horizontal bars: rows [{ label, value }], largest first; values shown as text too. */
export function barList({ title, rows, format }) {
  const max = Math.max(0, ...rows.map((r) => r.value)) || 1;
  return h(
    'ul.bar-list',
    { 'aria-label': title },
    rows.map((row) =>
      h(
        'li',
        {},
        h('span.bar-label', {}, row.label),
        svg(
          'svg',
          { class: 'bar', viewBox: '0 0 100 8', preserveAspectRatio: 'none', 'aria-hidden': 'true' },
          svg('rect', { class: 'track', x: 0, y: 0, width: 100, height: 8 }),
          svg('rect', { class: 'fill', x: 0, y: 0, width: ((row.value / max) * 100).toFixed(2), height: 8 }),
        ),
        h('span.bar-value', {}, format(row.value)),
      ),
    ),
  );
}

/**
 * A budget bar: spent, then reserved (in-flight holds), against the limit, with the soft
 * limit as a tick and the forecast to period end as a dashed marker.
 */
export function budgetBar({ limit, spent, reserved, softRatio, forecast, label }) {
  const scale = Math.max(limit, spent + reserved, forecast ?? 0) || 1;
  const w = (v) => ((Math.max(0, v) / scale) * 100).toFixed(2);
  const over = spent + reserved >= limit;
  const nearSoft = spent + reserved >= limit * softRatio;
  return svg(
    'svg',
    {
      class: `budget-bar${over ? ' over' : nearSoft ? ' soft' : ''}`,
      viewBox: '0 0 100 10',
      preserveAspectRatio: 'none',
      role: 'img',
      'aria-label': label,
    },
    svg('rect', { class: 'track', x: 0, y: 0, width: w(limit), height: 10 }),
    svg('rect', { class: 'spent', x: 0, y: 0, width: w(spent), height: 10 }),
    svg('rect', { class: 'reserved', x: w(spent), y: 0, width: w(reserved), height: 10 }),
    svg('line', { class: 'soft-limit', x1: w(limit * softRatio), x2: w(limit * softRatio), y1: 0, y2: 10 }),
    forecast === null
      ? null
      : svg('line', { class: 'forecast', x1: w(forecast), x2: w(forecast), y1: 0, y2: 10 }),
  );
}
