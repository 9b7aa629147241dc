import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type Sampler,
} from '@opentelemetry/sdk-trace';
import type { TraceSamplerName } from '../config/env.schema';

export interface SamplerSettings {
  name: TraceSamplerName;
  /** OTEL_TRACES_SAMPLER_ARG: the ratio of the *traceidratio samplers, 0..1. */
  ratio: number;
}

/**
 * The sampler of OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG (validated in src/config; the
 * default there, parentbased_traceidratio 0.05, is the production recommendation of
 * docs/operations.md: a client's sampled `traceparent` is always continued, one in twenty of the
 * traces that start here is recorded, and the others cost next to nothing — no attributes, no
 * child spans, nothing exported; docs/performance.md has the CPU figures).
 */
export function buildSampler(settings: SamplerSettings): Sampler {
  switch (settings.name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(settings.ratio);
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(settings.ratio) });
  }
}

/** How a sampler is described in logs and in the startup summary ("parentbased_traceidratio 0.05"). */
export function describeSampler(settings: SamplerSettings): string {
  return settings.name.endsWith('traceidratio') ? `${settings.name} ${settings.ratio}` : settings.name;
}
