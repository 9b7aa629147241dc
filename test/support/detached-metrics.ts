import { Counter, Gauge } from 'prom-client';

/**
 * Metrics in no registry, for a class built by hand (unit tests, benchmarks): they count like
 * the real ones but are never exported, and building them twice is no error.
 */
export function detachedCounter(): Counter<string> {
  return new Counter({
    name: 'detached_counter',
    help: 'unregistered',
    labelNames: ['scope'],
    registers: [],
  });
}

export function detachedGauge(): Gauge<string> {
  return new Gauge({ name: 'detached_gauge', help: 'unregistered', registers: [] });
}
