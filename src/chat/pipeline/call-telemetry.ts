import { context, trace, type Attributes, type SpanOptions, SpanStatusCode } from '@opentelemetry/api';
import { nanoToUsd } from '../../common/pricing';
import { tracer } from '../../telemetry/spans';
import type { ChatCall, ChatStep } from './chat-call';

/** The policy step's span options (constant: no object built per request). */
const GUARDRAIL_SPAN: SpanOptions = { attributes: { 'gen_ai.operation.name': 'apply_guardrail' } };
const STEP_SPAN: SpanOptions = {};
const stepNames = new Map<string, string>();

/**
 * Span names of the pipeline steps. The policy step is the spec's `apply_guardrail` operation
 * (GenAI semantic conventions); the others are ModelMuxer's own.
 */
export function stepSpanName(step: string): string {
  let name = stepNames.get(step);
  if (name === undefined) {
    name = step === 'policy' ? 'apply_guardrail' : `modelmuxer.${step}`;
    stepNames.set(step, name);
  }
  return name;
}

/**
 * Steps without a span of their own: CPU-only work of a few microseconds (building the answer,
 * buffering the decision-log row), which a span would describe at a multiple of its cost.
 */
const UNTRACED_STEPS = new Set(['respond', 'decision_log']);

/** Runs a step in its own span (a child of the request span) when the request is traced. */
export async function runTracedStep(step: ChatStep, call: ChatCall): Promise<void> {
  if (!call.span?.isRecording() || UNTRACED_STEPS.has(step.name)) {
    await step.run(call);
    return;
  }
  // The request span is normally the active one (the HTTP telemetry entered its context): then
  // the step's span is its child without building a context for it first.
  const active = context.active();
  const parent = trace.getSpan(active) === call.span ? active : trace.setSpan(active, call.span);
  const span = tracer.startSpan(
    stepSpanName(step.name),
    step.name === 'policy' ? GUARDRAIL_SPAN : STEP_SPAN,
    parent,
  );
  try {
    await context.with(trace.setSpan(parent, span), () => step.run(call));
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    span.setAttribute('error.type', typeof code === 'string' ? code : 'internal_error');
    span.setStatus({ code: SpanStatusCode.ERROR });
    throw error;
  } finally {
    span.end();
  }
}

/** The cache status of a call: HIT, SEMANTIC_HIT, MISS, BYPASS, or skip (not looked up). */
function cacheStatus(call: ChatCall): string {
  return call.cache?.status ?? 'skip';
}

/** The budget's part in the call: downgraded (routing chose cheaper), reserved, or none. */
function budgetDecision(call: ChatCall): string {
  if (call.plan?.decision.budgetDowngraded) return 'downgraded';
  return call.reservation ? 'reserved' : 'none';
}

/**
 * The gateway's own attributes (modelmuxer.*), known once routing ran: on the request span, and
 * on every provider attempt's client span (ProviderCallOptions.spanAttributes).
 */
export function callAttributes(call: ChatCall): Attributes {
  const attributes: Attributes = {
    'modelmuxer.tenant.id': call.context.principal.tenantId,
    'modelmuxer.tenant.name': call.context.principal.tenantName,
    'modelmuxer.cache.status': cacheStatus(call),
    'modelmuxer.budget.decision': budgetDecision(call),
  };
  if (call.intent) {
    attributes['modelmuxer.intent.method'] = call.intent.method;
    if (call.intent.label !== null) {
      attributes['modelmuxer.intent.label'] = call.intent.label;
      attributes['modelmuxer.intent.confidence'] = call.intent.confidence;
    }
  }
  const decision = call.plan?.decision;
  if (decision) {
    attributes['modelmuxer.routing.reason'] = decision.reason;
    if (decision.kind) attributes['modelmuxer.routing.kind'] = decision.kind;
    if (decision.target) {
      attributes['modelmuxer.routing.provider'] = decision.target.provider;
      attributes['modelmuxer.routing.model'] = decision.target.model;
    }
  }
  return attributes;
}

/** At the end of the pipeline: the call's summary on the request span. */
export function annotateCall(call: ChatCall): void {
  const span = call.span;
  if (!span?.isRecording()) return;
  span.setAttributes(callAttributes(call));
  if (call.request.model) span.setAttribute('gen_ai.request.model', call.request.model);
  const outcome = call.outcome;
  if (outcome) {
    span.setAttribute('modelmuxer.fallbacks', Math.max(0, outcome.attempts.length - 1));
    noteCost(call);
  }
}

/** The answer's cost on the request span (a stream's when its usage chunk is priced). */
export function noteCost(call: ChatCall): void {
  const cost = call.outcome?.costNano;
  if (cost !== null && cost !== undefined && call.span?.isRecording())
    call.span.setAttribute('modelmuxer.cost_usd', nanoToUsd(cost));
}
