// Reads the Prometheus text exposition of /metrics/prometheus (this replica's counters since
// its start): samples, and quantiles from a histogram's buckets.

/** [{ name, labels, value }] */
export function parsePrometheus(text) {
  const samples = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const labels = {};
    for (const pair of (match[3] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]] = pair[2];
    samples.push({ name: match[1], labels, value: Number(match[4]) });
  }
  return samples;
}

/** Sum of a metric's samples matching a label filter, grouped by one label. */
export function sumBy(samples, name, label, filter = () => true) {
  const sums = new Map();
  for (const s of samples) {
    if (s.name !== name || !filter(s.labels)) continue;
    const key = label ? (s.labels[label] ?? '') : '';
    sums.set(key, (sums.get(key) ?? 0) + s.value);
  }
  return sums;
}

/** The q-quantile (0..1) of a histogram, summed over the samples matching a filter; null if empty. */
export function histogramQuantile(samples, name, q, filter = () => true) {
  const buckets = sumBy(samples, `${name}_bucket`, 'le', filter);
  const bounds = [...buckets.entries()]
    .map(([le, count]) => ({ le: le === '+Inf' ? Infinity : Number(le), count }))
    .sort((a, b) => a.le - b.le);
  const total = bounds.at(-1)?.count ?? 0;
  if (total === 0) return null;
  const rank = q * total;
  let previous = { le: 0, count: 0 };
  for (const bucket of bounds) {
    if (bucket.count >= rank) {
      if (bucket.le === Infinity) return previous.le;
      const width = bucket.count - previous.count;
      return previous.le + (width === 0 ? 0 : ((rank - previous.count) / width) * (bucket.le - previous.le));
    }
    previous = bucket;
  }
  return previous.le;
}
