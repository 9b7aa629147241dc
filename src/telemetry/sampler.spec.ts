import { ROOT_CONTEXT, SpanKind, trace, type Context } from '@opentelemetry/api';
import { tracing } from '@opentelemetry/sdk-node';
import { loadAppConfig } from '../config/app-config';
import { buildSampler, describeSampler } from './sampler';

const { SamplingDecision } = tracing;

/** The decision for a root span (no parent) of the given trace id. */
function decide(sampler: tracing.Sampler, traceId: string, parent?: Context): tracing.SamplingDecision {
  return sampler.shouldSample(parent ?? ROOT_CONTEXT, traceId, 'POST', SpanKind.SERVER, {}, []).decision;
}

describe('trace sampling (OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG)', () => {
  it('defaults to parentbased_traceidratio 0.05 and reads the standard variables', () => {
    expect(loadAppConfig({}).telemetry.sampler).toEqual({ name: 'parentbased_traceidratio', ratio: 0.05 });
    expect(
      loadAppConfig({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' }).telemetry
        .sampler,
    ).toEqual({ name: 'traceidratio', ratio: 0.25 });
    expect(loadAppConfig({ OTEL_TRACES_SAMPLER: 'always_on' }).telemetry.sampler.name).toBe('always_on');
  });

  it.each([
    [{ OTEL_TRACES_SAMPLER: 'jaeger_remote' }, /OTEL_TRACES_SAMPLER/],
    [{ OTEL_TRACES_SAMPLER_ARG: '1.5' }, /OTEL_TRACES_SAMPLER_ARG/],
    [{ OTEL_TRACES_SAMPLER_ARG: 'half' }, /OTEL_TRACES_SAMPLER_ARG/],
  ])('refuses %j', (env, pattern) => {
    expect(() => loadAppConfig(env)).toThrow(pattern);
  });

  it('samples root spans by trace id at the ratio, and follows a sampled or unsampled parent', () => {
    const sampler = buildSampler({ name: 'parentbased_traceidratio', ratio: 0.1 });
    // The ratio sampler keeps trace ids whose hash (the XOR of their four 32-bit parts) is under ratio × 2^32.
    expect(decide(sampler, '00000000000000000000000000000001')).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    expect(decide(sampler, '000000000000000000000000ffffffff')).toBe(SamplingDecision.NOT_RECORD);
    const parent = (sampled: boolean) =>
      trace.setSpanContext(ROOT_CONTEXT, {
        traceId: '000000000000000000000000ffffffff',
        spanId: '00f067aa0ba902b7',
        traceFlags: sampled ? 1 : 0,
        isRemote: true,
      });
    expect(decide(sampler, '000000000000000000000000ffffffff', parent(true))).toBe(
      SamplingDecision.RECORD_AND_SAMPLED,
    );
    expect(decide(sampler, '00000000000000000000000000000001', parent(false))).toBe(
      SamplingDecision.NOT_RECORD,
    );
  });

  it('builds every supported sampler', () => {
    expect(decide(buildSampler({ name: 'always_off', ratio: 1 }), '1'.repeat(32))).toBe(
      SamplingDecision.NOT_RECORD,
    );
    expect(decide(buildSampler({ name: 'parentbased_always_on', ratio: 0 }), 'f'.repeat(32))).toBe(
      SamplingDecision.RECORD_AND_SAMPLED,
    );
    expect(decide(buildSampler({ name: 'traceidratio', ratio: 0 }), '0'.repeat(31) + '1')).toBe(
      SamplingDecision.NOT_RECORD,
    );
    expect(describeSampler({ name: 'parentbased_traceidratio', ratio: 0.1 })).toBe(
      'parentbased_traceidratio 0.1',
    );
    expect(describeSampler({ name: 'always_on', ratio: 0.1 })).toBe('always_on');
  });
});
