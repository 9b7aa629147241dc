// Reads the Prometheus text exposition of /metrics/prometheus (this replica's counters since
// its start): samples and sums (the Routing page's decisions and circuit breakers).

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
