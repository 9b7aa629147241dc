import { Inject, Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import type { ChatCompletionRequest } from '../../../common/openai/chat.types';
import { POLICY_ENFORCER, type PolicyEnforcer } from '../../../policy/policy.types';
import type { StickySubject } from '../../../routing/experiments/arm-assignment';
import { ExperimentService } from '../../../routing/experiments/experiment.service';
import { METRIC } from '../../../telemetry/metrics';
import type { ChatCall, ChatStep } from '../chat-call';

/** The conversation's first user message as sent (its content as JSON), for conversation stickiness. */
export function firstUserMessage(request: ChatCompletionRequest): string | null {
  const first = request.messages.find((message) => message.role === 'user');
  return first ? JSON.stringify(first.content ?? null) : null;
}

/**
 * A/B routing experiments (docs/routing.md "A/B experiments"): when the tenant runs one, the
 * request's sticky key (its API key, or its conversation's first user message) picks an arm, and
 * the request routes under that arm's configuration (the tenant's policy merged over it). After
 * the policy step (the first user message as redacted), before route. Writes: experiment,
 * tenantRouting (arms with a routing configuration). Counted in
 * modelmuxer_experiment_requests_total{experiment, arm} (not for explain). No I/O.
 */
@Injectable()
export class ExperimentStep implements ChatStep {
  readonly name = 'experiment';

  constructor(
    private readonly experiments: ExperimentService,
    @Inject(POLICY_ENFORCER) private readonly policy: PolicyEnforcer | null,
    @InjectMetric(METRIC.experimentRequests) private readonly requests: Counter<string>,
  ) {}

  appliesTo(call: ChatCall): boolean {
    return this.experiments.runs(call.context.principal.tenantId);
  }

  run(call: ChatCall): void {
    const principal = call.context.principal;
    const subject: StickySubject = {
      tenantId: principal.tenantId,
      keyIdentity: principal.keyId ?? principal.rateLimitKey ?? principal.tenantId,
      firstUserMessage: firstUserMessage(call.request),
    };
    const source = this.policy ? this.policy.decisionLog(principal).routing : null;
    const assignment = this.experiments.assign(subject, source);
    if (!assignment) return;
    call.experiment = { id: assignment.experimentId, arm: assignment.arm };
    if (assignment.policy !== 'live') call.tenantRouting = assignment.policy;
    if (call.mode !== 'explain')
      this.requests.inc({ experiment: assignment.experimentId, arm: assignment.arm });
  }
}
