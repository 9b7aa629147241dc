import { Gauge, register } from 'prom-client';

/**
 * A gauge whose values are computed when Prometheus scrapes (prom-client's `collect`), so that
 * keeping it costs nothing on the request path. Registered by the service that owns the state,
 * on the default registry (/metrics/prometheus) — replacing one a previous application instance
 * in the same process registered (tests boot several) — and removed by `unregister`.
 */
export function registerCollectedGauge(
  name: string,
  help: string,
  labelNames: readonly string[],
  collect: (gauge: Gauge<string>) => void | Promise<void>,
): Gauge<string> {
  register.removeSingleMetric(name);
  return new Gauge({
    name,
    help,
    labelNames,
    collect() {
      return collect(this);
    },
  });
}

/** Removes the gauge from the registry, unless another instance has replaced it since. */
export function unregisterGauge(gauge: Gauge<string>, name: string): void {
  if (register.getSingleMetric(name) === gauge) register.removeSingleMetric(name);
}
