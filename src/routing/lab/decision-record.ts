import { nanoToUsd } from '../../common/pricing';
import type { IntentLabel, IntentMethod, IntentResult, IntentSignals } from '../../common/intent-labels';
import type { ProviderKey } from '../../common/provider-keys';
import type { ProviderAvailability, ProviderTarget } from '../../providers/provider.types';
import type { RoutingThresholds } from '../routing-decision';
import type { RoutingPolicy, RoutingPolicyOverride } from '../routing-policy';
import type { RoutingDecision, RoutingInput } from '../routing.types';

/**
 * The routing decision log's row format (docs/routing.md "Routing lab"). `inputs` holds exactly
 * what the pure decision (decideRoute) took, so a replay re-runs it: the RoutingInput, the
 * confidence thresholds, the provider state it saw and the tenant's routing override — versioned
 * (DECISION_INPUT_VERSION), short keys because there is a row per request. Never prompt text.
 */
export const DECISION_INPUT_VERSION = 1;

/** A tenant's routing customisation as the policy builds it (merged over routing.yaml at replay). */
export interface TenantRoutingSource {
  override: RoutingPolicyOverride;
  allow_only: RoutingPolicy['allow_only'];
}

/** Version 1 of the logged inputs. */
export interface LoggedInputs {
  /** requestedModel (null: auto). */
  m: string | null;
  /** Intent: label, confidence, method, per-label scores, features (the classifier's signals). */
  l: IntentLabel | null;
  c: number;
  im: IntentMethod;
  s: Partial<Record<IntentLabel, number>> | null;
  f: IntentSignals | null;
  /** estimatedPromptTokens, requestedMaxOutputTokens. */
  pt: number;
  mo: number | null;
  /** needs: 1 vision, 2 tools, 4 JSON mode, 8 streaming. */
  n: number;
  /** budgetRemainingRatio, budgetSoftLimitReached. */
  b: number | null;
  bs: boolean;
  /** Thresholds: [lowConfidence, minConfForDirect]. */
  th: [number, number];
  /** Providers not configured, and targets ("provider/model") whose circuit was open. */
  u: ProviderKey[];
  o: string[];
  /** The tenant's routing override (null: the platform routing policy). */
  r: TenantRoutingSource | null;
}

/** What the decision did: fallbacks ("provider/model"), candidates [model, eligible, est. nano-USD, score]. */
export interface LoggedDecision {
  f: string[];
  c: Array<[string, 0 | 1, number, number | null]>;
  /** Estimated cost of the target (nano-USD). */
  e: number;
}

/** One row of routing_decisions, as the writer takes it. */
export interface DecisionRecord {
  createdAt: Date;
  requestId: string;
  tenantId: string;
  inputs: LoggedInputs;
  intent: IntentLabel | null;
  kind: string | null;
  targetProvider: string | null;
  targetModel: string | null;
  budgetDowngraded: boolean;
  decision: LoggedDecision;
  servedProvider: string | null;
  servedModel: string | null;
  attempts: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  costNano: number;
  latencyMs: number;
  status: number;
  cacheHit: boolean;
  promptHash: Buffer | null;
  /** The A/B routing experiment and arm the request ran under (null: none). */
  experimentId: string | null;
  experimentArm: string | null;
}

const NEEDS = [
  ['needsVision', 1],
  ['needsTools', 2],
  ['needsJsonMode', 4],
  ['needsStreaming', 8],
] as const;

const CIRCUIT_OPEN = 'circuit open';

export function targetKey(target: { provider: string; model: string }): string {
  return `${target.provider}/${target.model}`;
}

/** The logged inputs of a decision (the provider state it saw is read off its candidates). */
export function loggedInputs(
  input: RoutingInput,
  thresholds: RoutingThresholds,
  decision: RoutingDecision,
  unconfigured: ProviderKey[],
  tenantRouting: TenantRoutingSource | null,
): LoggedInputs {
  let needs = 0;
  for (const [field, bit] of NEEDS) if (input[field]) needs |= bit;
  const open: string[] = [];
  for (const c of decision.candidates) if (c.reason === CIRCUIT_OPEN) open.push(targetKey(c));
  return {
    m: input.requestedModel ?? null,
    l: input.intent.label,
    c: input.intent.confidence,
    im: input.intent.method,
    s: input.intent.scores ?? null,
    f: input.intent.signals,
    pt: input.estimatedPromptTokens,
    mo: input.requestedMaxOutputTokens,
    n: needs,
    b: input.budgetRemainingRatio,
    bs: input.budgetSoftLimitReached === true,
    th: [thresholds.lowConfidence, thresholds.minConfForDirect],
    u: unconfigured,
    o: open,
    r: tenantRouting,
  };
}

/** The logged outputs of a decision. */
export function loggedDecision(decision: RoutingDecision): LoggedDecision {
  return {
    f: decision.fallbacks.map(targetKey),
    c: decision.candidates.map((c) => [
      c.model,
      c.eligible ? 1 : 0,
      Math.round(c.estimated_cost_usd * 1e9),
      c.score,
    ]),
    e: decision.target ? Math.round(decision.estimatedCostUsd * 1e9) : 0,
  };
}

/** The decision's inputs again, for a replay: the RoutingInput, the provider state, the thresholds. */
export function replayInputs(inputs: LoggedInputs): {
  input: RoutingInput;
  availability: ProviderAvailability;
  thresholds: RoutingThresholds;
} {
  const intent: IntentResult = {
    label: inputs.l,
    confidence: inputs.c,
    // Absent when the replay's query leaves it out (the decision does not read it).
    signals: inputs.f ?? null,
    method: inputs.im,
  };
  if (inputs.s) intent.scores = inputs.s;
  const input: RoutingInput = {
    requestedModel: inputs.m ?? undefined,
    intent,
    estimatedPromptTokens: inputs.pt,
    requestedMaxOutputTokens: inputs.mo,
    needsVision: (inputs.n & 1) !== 0,
    needsTools: (inputs.n & 2) !== 0,
    needsJsonMode: (inputs.n & 4) !== 0,
    needsStreaming: (inputs.n & 8) !== 0,
    budgetRemainingRatio: inputs.b,
    budgetSoftLimitReached: inputs.bs,
  };
  return {
    input,
    availability: loggedAvailability(inputs.u, inputs.o),
    thresholds: { lowConfidence: inputs.th[0], minConfForDirect: inputs.th[1] },
  };
}

const ALL_AVAILABLE: ProviderAvailability = Object.freeze({
  isProviderConfigured: () => true,
  isCircuitOpen: () => false,
});

/** The provider state a logged decision saw. */
export function loggedAvailability(unconfigured: ProviderKey[], open: string[]): ProviderAvailability {
  if (unconfigured.length === 0 && open.length === 0) return ALL_AVAILABLE;
  const down = new Set<string>(unconfigured);
  const circuits = new Set(open);
  return {
    isProviderConfigured: (provider: ProviderKey) => !down.has(provider),
    isCircuitOpen: (target: ProviderTarget) => circuits.has(targetKey(target)),
  };
}

/** Nano-USD as USD for reports (rounded to the nano). */
export function usd(nano: number): number {
  return nanoToUsd(Math.round(nano));
}
