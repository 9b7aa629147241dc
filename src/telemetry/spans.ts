import { INVALID_SPAN_CONTEXT, trace, type Attributes, type Span, type SpanKind } from '@opentelemetry/api';

/** The gateway's tracer (a proxy: it records once TracingService has started the SDK). */
export const tracer = trace.getTracer('modelmuxer');

/**
 * What a span call site gets when the request is not recorded (tracing off, or not sampled):
 * a shared no-op span — no ids generated, no attributes kept, nothing exported.
 */
export const NOT_RECORDING: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/** The active span when it records (the request is traced and sampled), else null. */
export function recordingSpan(): Span | null {
  const span = trace.getActiveSpan();
  return span !== undefined && span.isRecording() ? span : null;
}

/**
 * A child of the active span, only when that one records: a request that is not sampled gets no
 * child spans at all (the parent-based sampling decision, taken once for the server span, without
 * asking the SDK again per child). `attributes` is only called for a recorded span, so a call
 * site builds no attribute object for the requests that are not traced.
 */
export function startChildSpan(name: string, kind?: SpanKind, attributes?: () => Attributes): Span {
  if (recordingSpan() === null) return NOT_RECORDING;
  return tracer.startSpan(name, { kind, attributes: attributes?.() });
}
