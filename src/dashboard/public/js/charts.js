// Charts drawn by uPlot (MIT, github.com/leeoniya/uPlot, the `uplot` npm package): a small
// (about 50 kB), dependency-free, fast canvas chart library, served by the gateway from the
// package itself at /dashboard/vendor/uplot/ (loaded by index.html before the modules; it
// defines the global `uPlot`). It runs no eval and adds no <style> element or style attribute
// markup: it sets element styles through the CSSOM, which the CSP (style-src 'self') allows.
// Each chart is a role="img" element with a text summary as its accessible name, and the data
// behind it is also given as a table, for screen readers and for copying. Colours come from the
// CSS custom properties (light and dark) and charts are redrawn when the colour scheme or their
// width changes. The budget bar (a meter, not a chart of series) stays a small SVG.
import { h, svg, table } from './dom.js';

const HEIGHT = 220;
const BAR_HEIGHT = 30;
const FONT = '11px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';

function niceMax(value) {
  if (!(value > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (value <= step * magnitude) return step * magnitude;
  return 10 * magnitude;
}

/** The theme's colours, read from the CSS custom properties of the current colour scheme. */
function theme() {
  const style = window.getComputedStyle(document.documentElement);
  const read = (name) => style.getPropertyValue(name).trim();
  return { text: read('--muted'), grid: read('--border'), series: [read('--s0'), read('--s1')] };
}

/** Charts on screen, redrawn when the colour scheme changes. */
const live = new Set();
const darkScheme = window.matchMedia('(prefers-color-scheme: dark)');
darkScheme.addEventListener('change', () => {
  for (const chart of live) chart.draw();
});

/**
 * Draws a uPlot chart into `target` once it is laid out (a ResizeObserver: the width is only
 * known then), and again at each width or colour-scheme change. `options(colours)` gives the
 * uPlot options (without width); `data` its columns. Sets data-points on `target` to the number
 * of values drawn (tests and screen readers rely on the summary and tables, not on pixels).
 */
function mount(target, options, data) {
  const chart = { plot: null, width: 0 };
  chart.draw = () => {
    chart.plot?.destroy();
    chart.plot = null;
    chart.width = Math.floor(target.clientWidth);
    if (!target.isConnected || chart.width === 0) return;
    const opts = { ...options(theme()), width: chart.width };
    chart.plot = new globalThis.uPlot(opts, data, target);
    const points = data
      .slice(1)
      .flat()
      .filter((v) => v !== null && v !== undefined).length;
    target.dataset.points = String(points);
  };
  const observer = new window.ResizeObserver(() => {
    if (!target.isConnected) {
      observer.disconnect();
      live.delete(chart);
      chart.plot?.destroy();
      return;
    }
    if (Math.floor(target.clientWidth) !== chart.width) chart.draw();
  });
  observer.observe(target);
  live.add(chart);
  return target;
}

/** Axis steps for whole counts (1, 2, 5, 10, 20, …): no 0.5 request ticks. */
const WHOLE_STEPS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].flatMap((e) =>
  [1, 2, 5].map((m) => m * 10 ** e),
);

/** The value axis' steps: whole ones when every value is a whole number, else uPlot's own. */
const valueSteps = (values) =>
  values.every((v) => v === null || Number.isInteger(v)) ? { incrs: WHOLE_STEPS } : {};

function axis(colours, extra) {
  return {
    stroke: colours.text,
    font: FONT,
    grid: { stroke: colours.grid, width: 1 },
    ticks: { stroke: colours.grid, width: 1, size: 4 },
    ...extra,
  };
}

function chartLabel(title, labels, series, format, peak) {
  const total = (values) => format(values.reduce((a, b) => a + (b ?? 0), 0));
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
 * uPlot options of a line chart over day labels (x: the day's index, labelled MM-DD). A null
 * value (no data that day, e.g. no latency without requests) is a gap, not drawn as 0.
 */
function lineOptions(labels, series, format) {
  return (colours) => ({
    height: HEIGHT,
    legend: { show: false },
    cursor: { drag: { x: false, y: false }, points: { size: 7 } },
    scales: {
      x: { time: false, range: [0, Math.max(1, labels.length - 1)] },
      y: { range: (_u, _min, max) => [0, niceMax(max)] },
    },
    axes: [
      axis(colours, {
        space: 56,
        incrs: [1, 2, 3, 5, 7, 14, 28],
        values: (_u, splits) => splits.map((i) => labels[i]?.slice(5) ?? ''),
      }),
      axis(colours, {
        size: 76,
        ...valueSteps(series.flatMap((s) => s.values)),
        values: (_u, splits) => splits.map((v) => format(v)),
      }),
    ],
    series: [
      {},
      ...series.map((s, i) => ({
        label: s.name,
        stroke: colours.series[i % colours.series.length],
        width: 2,
        points: { show: true, size: 5, fill: colours.series[i % colours.series.length] },
      })),
    ],
  });
}

/**
 * Line chart of series over days: series [{ name, values }], values formatted by `format`. The
 * accessible summary gives each series' total, or its highest value with `peak` (latencies).
 */
export function lineChart({ title, labels, series, format, peak = false }) {
  const plot = h('div.chart-plot', {
    role: 'img',
    'aria-label': chartLabel(title, labels, series, format, peak),
    dataset: { chart: 'line' },
  });
  mount(plot, lineOptions(labels, series, format), [labels.map((_, i) => i), ...series.map((s) => s.values)]);
  return h(
    'figure.chart',
    {},
    plot,
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

const shortLabel = (label) => (label.length > 34 ? `${label.slice(0, 33)}…` : label);

/** uPlot options of horizontal bars: x (the row index) runs down the left, values along the bottom. */
function barOptions(rows, format) {
  const labelWidth = Math.min(250, 16 + 7 * Math.max(4, ...rows.map((r) => shortLabel(r.label).length)));
  return (colours) => ({
    height: Math.max(2, rows.length) * BAR_HEIGHT + 44,
    legend: { show: false },
    cursor: { drag: { x: false, y: false }, points: { show: false } },
    scales: {
      x: { time: false, ori: 1, dir: -1, range: [-0.5, rows.length - 0.5] },
      y: { ori: 0, range: (_u, _min, max) => [0, niceMax(max)] },
    },
    axes: [
      axis(colours, {
        scale: 'x',
        side: 3,
        size: labelWidth,
        grid: { show: false },
        ticks: { show: false },
        splits: () => rows.map((_, i) => i),
        values: (_u, splits) => splits.map((i) => shortLabel(rows[i]?.label ?? '')),
      }),
      axis(colours, {
        scale: 'y',
        side: 2,
        space: 100,
        ...valueSteps(rows.map((r) => r.value)),
        values: (_u, splits) => splits.map((v) => format(v)),
      }),
    ],
    series: [
      {},
      {
        label: 'Value',
        fill: colours.series[0],
        stroke: colours.series[0],
        width: 0,
        points: { show: false },
        paths: globalThis.uPlot.paths.bars({ size: [0.7, 20] }),
      },
    ],
  });
}

/**
 * Horizontal bars: rows [{ label, value }], in the order given (largest first); values shown as
 * text in a table too (`withTable`: off where the page shows a fuller table beside the chart).
 */
export function barChart({ title, rows, format, withTable = true }) {
  const total = format(rows.reduce((sum, r) => sum + r.value, 0));
  const top = rows.length ? `; largest ${rows[0].label}, ${format(rows[0].value)}` : '';
  const plot = h('div.chart-plot.bars', {
    role: 'img',
    'aria-label': `${title}: ${rows.length} bars, ${total} in total${top}.`,
    dataset: { chart: 'bars' },
  });
  mount(plot, barOptions(rows, format), [rows.map((_, i) => i), rows.map((r) => r.value)]);
  const columns = [
    { label: 'Name', value: (r) => r.label },
    { label: 'Value', numeric: true, value: (r) => format(r.value) },
  ];
  return h(
    'figure.chart',
    {},
    plot,
    withTable ? h('details', {}, h('summary', {}, `${title}: data`), table(title, columns, rows)) : null,
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
