import { Inject, Injectable } from '@nestjs/common';
import { POLICY_ENFORCER, type PolicyEnforcer } from '../../../policy/policy.types';
import type { ChatCall, ChatStep } from '../chat-call';

/**
 * Tenant policy (every mode). First, so that PII is redacted before anything else (classifier,
 * LLM fallback, provider) sees it. Writes: policyRef (first: a refusal names its policy), request
 * (maybe redacted), policyNotes, redactions, tenantRouting, cacheSettings (the tenant's cache settings).
 */
@Injectable()
export class PolicyStep implements ChatStep {
  readonly name = 'policy';

  constructor(@Inject(POLICY_ENFORCER) private readonly policy: PolicyEnforcer | null) {}

  appliesTo(): boolean {
    return this.policy !== null;
  }

  run(call: ChatCall): void {
    const { principal, endpoint } = call.context;
    call.policyRef = this.policy!.ref(principal);
    const verdict = this.policy!.evaluate(call.request, principal, endpoint);
    call.request = verdict.request;
    call.policyNotes = verdict.notes;
    call.redactions = verdict.redactions;
    call.tenantRouting = verdict.routingPolicy;
    call.cacheSettings = verdict.cache;
  }
}
