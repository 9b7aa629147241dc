/**
 * The metric names a PromQL expression selects, without a PromQL parser: enough for the
 * expressions of deploy/observability (selectors, aggregations with by/without, functions,
 * binary operators, ranges, Grafana's $__ variables). Removed before picking identifiers:
 * string literals, label matchers `{…}`, ranges and subqueries `[…]`, label lists after
 * by/without/on/ignoring/group_left/group_right, and numbers; then every identifier that is not a
 * function call (followed by `(`) and not a keyword is a metric name.
 */
const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'atop',
  'inf',
  'nan',
  // aggregation operators (may be followed by `by (...)` before their parenthesis)
  'sum',
  'min',
  'max',
  'avg',
  'count',
  'stddev',
  'stdvar',
  'topk',
  'bottomk',
  'quantile',
  'count_values',
  'group',
]);

export function promqlMetricNames(expression: string): string[] {
  const stripped = expression
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\w+/g, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/[A-Za-z_:][\w:]*/g)) {
    const name = match[0];
    const after = stripped.slice(match.index! + name.length).trimStart();
    const before = stripped[match.index! - 1];
    if (before !== undefined && /[\d.]/.test(before)) continue; // an exponent: 1e-9
    if (KEYWORDS.has(name.toLowerCase()) || after.startsWith('(')) continue;
    names.add(name);
  }
  return [...names].sort();
}

/**
 * Every series name a Prometheus text exposition declares: each family of a `# TYPE` line, with
 * the suffixes Prometheus stores for it (histogram: _bucket, _sum, _count; summary: _sum, _count).
 */
export function exposedSeriesNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const match of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name, type] = match;
    names.add(name);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
    if (type === 'summary') for (const suffix of ['_sum', '_count']) names.add(name + suffix);
  }
  return names;
}

/** The names that carry at least one sample in the exposition (not only HELP/TYPE). */
export function sampledSeriesNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const match of exposition.matchAll(/^([A-Za-z_:][\w:]*)[{ ]/gm)) names.add(match[1]);
  return names;
}
