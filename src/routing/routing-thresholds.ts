import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import type { IntentLabel } from '../common/intent-labels';
import type { RoutingThresholds } from './routing-decision';
import type { RoutingPolicy } from './routing-policy';

/** Values an admin applied over INTENT_LOW_CONFIDENCE / INTENT_MIN_CONF_FOR_DIRECT and routing.yaml's floors. */
export interface AppliedThresholds {
  thresholds: RoutingThresholds;
  /** Per label: replaces `intents.<label>.min_quality` where the policy inherits routing.yaml's. */
  floors: Partial<Record<IntentLabel, number>>;
  /** 0: nothing applied (the env values and routing.yaml as they are). */
  version: number;
}

/**
 * The confidence thresholds and quality floors routing uses now (docs/routing.md "Dynamic
 * thresholds"): the env values and routing.yaml until an admin applies others
 * (POST /admin/routing/thresholds/apply; ThresholdOverridesService keeps every replica's copy
 * current). Reads are field reads; an effective policy is built once per policy object.
 */
@Injectable()
export class RoutingThresholdState {
  private applied: AppliedThresholds;
  /** The floors of routing.yaml: a policy inherits a label's floor when its value is this one. */
  private baseFloors: Partial<Record<IntentLabel, number>> = {};
  private policies = new WeakMap<RoutingPolicy, RoutingPolicy>();

  constructor(config: AppConfig) {
    this.applied = Object.freeze({
      thresholds: Object.freeze({
        lowConfidence: config.intent.lowConfidence,
        minConfForDirect: config.intent.minConfForDirect,
      }),
      floors: {},
      version: 0,
    });
  }

  get thresholds(): RoutingThresholds {
    return this.applied.thresholds;
  }

  get current(): AppliedThresholds {
    return this.applied;
  }

  /** Installs applied values (a new version, or the env defaults again with version 0). */
  set(applied: AppliedThresholds, base: RoutingPolicy): void {
    const floors: Partial<Record<IntentLabel, number>> = {};
    for (const label of Object.keys(applied.floors) as IntentLabel[])
      floors[label] = base.intents[label].min_quality;
    this.baseFloors = floors;
    this.applied = Object.freeze({
      thresholds: Object.freeze({ ...applied.thresholds }),
      floors: Object.freeze({ ...applied.floors }),
      version: applied.version,
    });
    this.policies = new WeakMap();
  }

  /**
   * The policy with the applied floors: a label whose floor is routing.yaml's (not set by the
   * tenant's override) takes the applied floor. The same object when no floor is applied.
   */
  effective(policy: RoutingPolicy): RoutingPolicy {
    const floors = this.applied.floors;
    const labels = Object.keys(floors) as IntentLabel[];
    if (labels.length === 0) return policy;
    let out = this.policies.get(policy);
    if (out) return out;
    const intents = { ...policy.intents };
    for (const label of labels)
      if (intents[label].min_quality === this.baseFloors[label])
        intents[label] = { ...intents[label], min_quality: floors[label]! };
    out = { ...policy, intents };
    this.policies.set(policy, out);
    return out;
  }
}
