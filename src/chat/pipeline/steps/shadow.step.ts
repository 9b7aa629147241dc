import { Inject, Injectable } from '@nestjs/common';
import { PROVIDER_KEYS } from '../../../common/provider-keys';
import { POLICY_ENFORCER, type PolicyEnforcer } from '../../../policy/policy.types';
import { PROVIDER_EXECUTOR, type ProviderExecutor } from '../../../providers/provider.types';
import { answerChars } from '../../../routing/shadow/shadow-requests';
import { ShadowRunner } from '../../../routing/shadow/shadow-runner';
import type { LiveAnswer, LiveCall } from '../../../routing/shadow/shadow.types';
import type { ChatCall, ChatStep } from '../chat-call';
import { routingInputOf } from './route.step';

/** The live answer for a shadow request's pairing: a completion answered upstream (not a stream, not a cache hit). */
function liveAnswer(call: ChatCall): LiveAnswer | null {
  const outcome = call.outcome;
  const usage = outcome?.completion?.usage;
  if (!outcome || outcome.fromCache || !outcome.completion || !usage) return null;
  return {
    latencyMs: Math.round(outcome.upstreamMs),
    promptTokens: usage.prompt_tokens,
    completionTokens: usage.completion_tokens,
    costNano: outcome.costNano ?? 0,
    chars: answerChars(outcome.completion),
  };
}

/**
 * Shadow classification and routing (docs/routing.md): the last step, after the response is
 * built. For a request in the tenant's shadow sample (deterministic per request id) it queues a
 * job that reads the call later, off the request path; it never writes the call, so the response
 * (body, router_metadata, headers, stream) is the same with the shadow on or off. Applies to
 * answered calls (not explain, not refusals).
 */
@Injectable()
export class ShadowStep implements ChatStep {
  readonly name = 'shadow';

  constructor(
    private readonly shadow: ShadowRunner,
    @Inject(PROVIDER_EXECUTOR) private readonly availability: ProviderExecutor,
    @Inject(POLICY_ENFORCER) private readonly policy: PolicyEnforcer | null,
  ) {}

  appliesTo(call: ChatCall): boolean {
    return this.shadow.enabled && call.mode !== 'explain' && call.plan !== null && call.response !== null;
  }

  run(call: ChatCall): void {
    const { requestId, principal } = call.context;
    const draw = this.shadow.draw(principal.tenantId, requestId);
    if (!draw) return;
    this.shadow.offer({
      requestId,
      tenantId: principal.tenantId,
      at: Date.now(),
      sendRequest: draw.sendRequest,
      live: () => this.live(call),
    });
  }

  private live(call: ChatCall): LiveCall {
    return {
      request: call.request,
      input: routingInputOf(call, call.budget),
      promptTokensUpperBound: call.promptTokens,
      decision: call.plan!.decision,
      unconfigured: PROVIDER_KEYS.filter((p) => !this.availability.isProviderConfigured(p)),
      tenantRouting: this.policy ? this.policy.decisionLog(call.context.principal).routing : null,
      answer: () => liveAnswer(call),
    };
  }
}
