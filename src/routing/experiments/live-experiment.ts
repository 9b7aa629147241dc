import { ErrorCode, GatewayError } from '../../common/errors';
import { RoutingConfigError } from '../config-reader';
import type { ModelCatalog } from '../model-catalog';
import type { RoutingPolicy, RoutingPolicyService } from '../routing-policy';
import type { TenantRoutingSource } from '../lab/decision-record';
import { candidateConfiguration } from '../lab/replay.service';
import {
  assignArm,
  stickyKey,
  type StickyMode,
  type StickySubject,
  type WeightedArm,
} from './arm-assignment';
import type { ArmSpec } from './experiment-spec';

/** The live configuration an arm's routing text is validated against (the replay's). */
export interface LiveRouting {
  catalog: ModelCatalog;
  policies: RoutingPolicyService;
  routingFile: string;
}

/**
 * The routing configuration of an arm, compiled once. An arm with a routing.yaml routes under
 * it, with the tenant's own policy (its routing override, exclusions and allow-list) merged over
 * it exactly as the policy module merges it over config/routing.yaml and as a replay does — so an
 * arm can be tried in a replay first, and never reaches a model the tenant's policy excludes.
 * An arm without one (`routing: null`) routes like the tenant's live policy.
 */
export class CompiledArm implements WeightedArm {
  /** Per tenant routing source (one object per compiled tenant policy): the merged policy, or null if rejected. */
  private readonly merged = new WeakMap<TenantRoutingSource, RoutingPolicy | null>();

  constructor(
    readonly name: string,
    readonly weight: number,
    readonly active: boolean,
    readonly policies: RoutingPolicyService | null,
  ) {}

  /**
   * The policy a request of this arm routes under: `live` (the tenant's effective policy, as
   * without an experiment), a policy, or null when the tenant's override is invalid under the
   * arm's routing (the arm cannot serve this tenant).
   */
  policyFor(source: TenantRoutingSource | null): RoutingPolicy | 'live' | null {
    if (!this.policies) return 'live';
    if (!source) return this.policies.policy;
    if (this.merged.has(source)) return this.merged.get(source)!;
    let policy: RoutingPolicy | null;
    try {
      policy = {
        ...this.policies.withOverride(source.override, `tenant override under arm ${this.name}`),
        allow_only: source.allow_only ?? null,
      };
    } catch (error) {
      if (!(error instanceof RoutingConfigError)) throw error;
      policy = null;
    }
    this.merged.set(source, policy);
    return policy;
  }
}

/** Validates and compiles an arm's routing text (400 invalid_value naming `arms[i].routing`). */
export function compileArm(
  arm: ArmSpec & { active?: boolean },
  index: number,
  live: LiveRouting,
): CompiledArm {
  if (arm.routing === null) return new CompiledArm(arm.name, arm.weight, arm.active ?? true, null);
  try {
    const { policies } = candidateConfiguration({ routingYaml: arm.routing, modelsYaml: null }, live);
    return new CompiledArm(arm.name, arm.weight, arm.active ?? true, policies);
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error;
    const param = `arms[${index}].routing`;
    throw new GatewayError(ErrorCode.ValidationFailed, error.message.replace('candidate routing', param), {
      param,
    });
  }
}

/** What the experiment decided for a request. */
export interface ArmAssignment {
  experimentId: string;
  arm: string;
  /** The arm's routing policy; `live`: the tenant's own (the request routes as without the experiment). */
  policy: RoutingPolicy | 'live';
}

/** A running experiment, compiled for the hot path (rebuilt on every change of it). */
export class LiveExperiment {
  constructor(
    readonly id: string,
    readonly tenantId: string,
    readonly sticky: StickyMode,
    readonly arms: readonly CompiledArm[],
  ) {}

  /**
   * The arm of a request. Arms that are stopped, or that cannot serve the tenant's current
   * policy, get no traffic: their keys go to the other arms. Null when no arm can take it.
   */
  assign(subject: StickySubject, source: TenantRoutingSource | null): ArmAssignment | null {
    const policies = this.arms.map((arm) => (arm.active ? arm.policyFor(source) : null));
    const arms = this.arms.map((arm, i) => ({
      name: arm.name,
      weight: arm.weight,
      active: policies[i] !== null,
    }));
    const name = assignArm(arms, this.id, stickyKey(this.sticky, subject));
    if (name === null) return null;
    const policy = policies[arms.findIndex((arm) => arm.name === name)]!;
    return { experimentId: this.id, arm: name, policy };
  }
}
