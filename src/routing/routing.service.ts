import { Inject, Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { METRIC } from '../telemetry/metrics';
import { recordingSpan } from '../telemetry/spans';
import { ModelCatalog } from './model-catalog';
import { decideRoute } from './routing-decision';
import type { RoutingThresholds } from './routing-decision';
import { RoutingPolicyService } from './routing-policy';
import type { RoutingPolicy } from './routing-policy';
import { RoutingThresholdState } from './routing-thresholds';
import type { PlannedTarget, RouteTarget, RoutePlan, RoutingDecision, RoutingInput } from './routing.types';
import { ErrorCode, GatewayError } from '../common/errors';
import type { ProviderAvailability } from '../providers/provider.types';

/**
 * Thin wrapper around the pure decision: supplies the catalog, the default policy and the
 * confidence thresholds, and records the decision (metric + active span attributes).
 */
@Injectable()
export class RoutingService {
  constructor(
    @Inject(ModelCatalog) private readonly catalog: ModelCatalog,
    @Inject(RoutingPolicyService) private readonly policies: RoutingPolicyService,
    @InjectMetric(METRIC.routingDecisions) private readonly decisions: Counter<string>,
    @Inject(RoutingThresholdState) private readonly state: RoutingThresholdState,
  ) {}

  /**
   * INTENT_LOW_CONFIDENCE and INTENT_MIN_CONF_FOR_DIRECT, or the values an admin applied
   * (docs/routing.md "Dynamic thresholds"); the decision log records them.
   */
  get thresholds(): RoutingThresholds {
    return this.state.thresholds;
  }

  /** The default policy from config/routing.yaml (with the quality floors an admin applied). */
  get policy(): RoutingPolicy {
    return this.state.effective(this.policies.policy);
  }

  /**
   * Decides where a request goes and counts it in modelmuxer_routing_decisions_total.
   * `policyOverride` is a tenant's effective policy, already merged and validated
   * (RoutingPolicyService.withOverride) — merge once per policy change, not per request.
   */
  decide(
    input: RoutingInput,
    availability: ProviderAvailability,
    policyOverride?: RoutingPolicy,
  ): RoutingDecision {
    const decision = this.preview(input, availability, policyOverride);
    const target = decision.target;
    this.decisions.inc({
      intent: input.intent.label ?? 'none',
      provider: target?.provider ?? 'none',
      model: target ? (target.metricModel ?? target.model) : 'none',
      reason: decision.kind ?? 'default',
    });
    const span = recordingSpan();
    if (span) {
      span.setAttributes({
        'modelmuxer.routing.kind': decision.kind ?? 'default',
        'modelmuxer.routing.provider': target?.provider ?? 'none',
        'modelmuxer.routing.model': target?.model ?? 'none',
        'modelmuxer.routing.fallbacks': decision.fallbacks.length,
        'modelmuxer.routing.estimated_cost_usd': decision.estimatedCostUsd,
      });
    }
    return decision;
  }

  /**
   * The decision as a plan: its targets carry their catalog entry (prices, limits), so nothing
   * downstream looks the model up again. `record: false` previews it (POST /v1/router/explain).
   */
  plan(
    input: RoutingInput,
    availability: ProviderAvailability,
    policyOverride?: RoutingPolicy,
    record = true,
  ): RoutePlan {
    const decision = record
      ? this.decide(input, availability, policyOverride)
      : this.preview(input, availability, policyOverride);
    const chain = decision.target
      ? [decision.target, ...decision.fallbacks].map((target) => this.planned(target))
      : [];
    return { decision, chain };
  }

  private planned(target: RouteTarget): PlannedTarget {
    const planned = this.catalog.planned(target);
    if (!planned)
      throw new GatewayError(
        ErrorCode.Internal,
        `routed to ${target.model}, which the catalog does not know`,
      );
    return planned;
  }

  /** The same decision without recording it (for POST /v1/router/explain). */
  preview(
    input: RoutingInput,
    availability: ProviderAvailability,
    policyOverride?: RoutingPolicy,
  ): RoutingDecision {
    return decideRoute(
      input,
      this.catalog,
      this.state.effective(policyOverride ?? this.policies.policy),
      availability,
      this.state.thresholds,
    );
  }
}
