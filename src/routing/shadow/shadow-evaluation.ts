import type { IntentResult } from '../../common/intent-labels';
import { RoutingConfigError } from '../config-reader';
import { loggedAvailability, loggedInputs, type TenantRoutingSource } from '../lab/decision-record';
import type { ModelCatalog } from '../model-catalog';
import { decideRoute, type RoutingThresholds } from '../routing-decision';
import type { RoutingPolicy, RoutingPolicyService } from '../routing-policy';
import type { RoutingDecision } from '../routing.types';
import type { LiveCall, ShadowClassifier, ShadowJob, ShadowResult } from './shadow.types';

/** The candidate the shadow evaluates: a classifier and/or a routing configuration (the replay's format). */
export interface ShadowCandidate {
  /** null: the live label is kept. */
  classifier: ShadowClassifier | null;
  catalog: ModelCatalog;
  policies: RoutingPolicyService;
  /** Candidate thresholds over the live ones (absent fields: the live ones). */
  thresholds: Partial<RoutingThresholds>;
}

/** What the candidate decides for a live call. */
export interface ShadowOutcome {
  intent: IntentResult;
  decision: RoutingDecision;
}

function nano(usd: number): number {
  return Math.round(usd * 1e9);
}

/**
 * The shadow of one live call (pure apart from the classifier's reusable buffers): the candidate
 * classifier's label for the request, then the pure routing decision under the candidate
 * configuration with everything else as the live call had it — request features, token estimate,
 * budget state, the providers and circuits it saw, the tenant's customisation.
 */
export class ShadowEvaluator {
  private readonly tenantPolicies = new Map<string, RoutingPolicy | null>();
  /** Live calls whose tenant customisation the candidate policy rejects (not evaluated). */
  skipped = 0;

  constructor(
    private readonly candidate: ShadowCandidate,
    private readonly live: RoutingThresholds,
  ) {}

  /** The candidate's label and decision; null when the tenant's customisation does not fit the candidate. */
  decide(call: LiveCall): ShadowOutcome | null {
    const policy = this.policyFor(call.tenantRouting);
    if (!policy) {
      this.skipped++;
      return null;
    }
    const intent = this.candidate.classifier
      ? this.candidate.classifier.classify(call.request)
      : call.input.intent;
    const open = loggedInputs(call.input, this.live, call.decision, call.unconfigured, null).o;
    const decision = decideRoute(
      { ...call.input, intent },
      this.candidate.catalog,
      policy,
      loggedAvailability(call.unconfigured, open),
      { ...this.live, ...this.candidate.thresholds },
    );
    return { intent, decision };
  }

  /** The result row of a job (without a shadow request); null when not evaluated. */
  evaluate(
    job: ShadowJob,
    call: LiveCall = job.live(),
  ): { result: ShadowResult; outcome: ShadowOutcome } | null {
    const outcome = this.decide(call);
    if (!outcome) return null;
    const live = call.decision;
    const shadow = outcome.decision;
    const result: ShadowResult = {
      createdAt: new Date(job.at),
      requestId: job.requestId,
      tenantId: job.tenantId,
      liveLabel: call.input.intent.label,
      shadowLabel: outcome.intent.label,
      liveConfidence: call.input.intent.confidence,
      shadowConfidence: outcome.intent.confidence,
      liveModel: live.target?.model ?? null,
      shadowModel: shadow.target?.model ?? null,
      liveCostNano: live.target ? nano(live.estimatedCostUsd) : 0,
      shadowCostNano: shadow.target ? nano(shadow.estimatedCostUsd) : 0,
      shadowRequest: null,
    };
    return { result, outcome };
  }

  /** The candidate policy with the tenant's customisation merged (cached per customisation). */
  private policyFor(source: TenantRoutingSource | null): RoutingPolicy | null {
    if (!source) return this.candidate.policies.policy;
    const key = JSON.stringify(source);
    const cached = this.tenantPolicies.get(key);
    if (cached !== undefined) return cached;
    let policy: RoutingPolicy | null;
    try {
      policy = {
        ...this.candidate.policies.withOverride(source.override, 'tenant override (shadow)'),
        allow_only: source.allow_only ?? null,
      };
    } catch (error) {
      if (!(error instanceof RoutingConfigError)) throw error;
      policy = null;
    }
    if (this.tenantPolicies.size >= 1_000) this.tenantPolicies.clear();
    this.tenantPolicies.set(key, policy);
    return policy;
  }
}
