import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { GatewayError } from '../../../common/errors';
import type { ChatCompletionChunk, Usage } from '../../../common/openai/chat.types';
import { PROVIDER_KEYS } from '../../../common/provider-keys';
import { elapsedMs } from '../../../common/time';
import { POLICY_ENFORCER, type DecisionLogSettings, type PolicyEnforcer } from '../../../policy/policy.types';
import { PROVIDER_EXECUTOR, ProviderError, type ProviderExecutor } from '../../../providers/provider.types';
import { DecisionLogService } from '../../../routing/lab/decision-log.service';
import { loggedDecision, loggedInputs, type DecisionRecord } from '../../../routing/lab/decision-record';
import { RoutingService } from '../../../routing/routing.service';
import type { ChatCall, ChatOutcome, ChatStep } from '../chat-call';
import { routingInputOf } from './route.step';

const ALWAYS: DecisionLogSettings = { enabled: true, promptHash: false, routing: null };

/** What happened to the call, as the log keeps it. */
interface CallResult {
  status: number;
  usage: Usage | null;
  outcome: ChatOutcome | null;
  attempts: number;
}

/**
 * The routing decision log (docs/routing.md "Routing lab"): one record per routed chat call —
 * the decision's exact inputs (never the prompt text; a SHA-256 of it when the tenant opts in),
 * its candidates and target, and what happened: served model, tokens, cost, latency, status.
 * Buffered (DecisionLogService): no database round trip on the request path. A completion or a
 * cache hit is recorded here; a stream when it ends; a call that fails after routing (refused,
 * unroutable, every upstream failed) through onCallFailed. Off with DECISION_LOG_ENABLED=false
 * or the tenant policy's decision_log.enabled: false. Writes nothing on the call.
 */
@Injectable()
export class DecisionLogStep implements ChatStep {
  readonly name = 'decision_log';
  private readonly recorded = new WeakSet<ChatCall>();

  constructor(
    private readonly log: DecisionLogService,
    private readonly routing: RoutingService,
    @Inject(PROVIDER_EXECUTOR) private readonly availability: ProviderExecutor,
    @Inject(POLICY_ENFORCER) private readonly policy: PolicyEnforcer | null,
  ) {}

  appliesTo(call: ChatCall): boolean {
    return this.log.enabled && call.mode !== 'explain' && call.plan !== null && call.outcome !== null;
  }

  run(call: ChatCall): void {
    const settings = this.settings(call);
    if (!settings.enabled) return;
    const outcome = call.outcome!;
    const attempts = outcome.attempts.length;
    if (outcome.chunks) {
      outcome.chunks = this.watch(call, settings, outcome, outcome.chunks);
      return;
    }
    this.write(call, settings, { status: 200, usage: outcome.completion?.usage ?? null, outcome, attempts });
  }

  onCallFailed(call: ChatCall, error: unknown): void {
    if (!this.log.enabled || call.mode === 'explain' || call.plan === null || this.recorded.has(call)) return;
    try {
      const settings = this.settings(call);
      if (!settings.enabled) return;
      const status = error instanceof GatewayError ? error.status : 500;
      const attempts = error instanceof ProviderError ? (error.attempts?.length ?? 0) : 0;
      this.write(call, settings, { status, usage: null, outcome: null, attempts });
    } catch {
      // The log never fails a call.
    }
  }

  private settings(call: ChatCall): DecisionLogSettings {
    return this.policy ? this.policy.decisionLog(call.context.principal) : ALWAYS;
  }

  /** Relays the stream unchanged; records the call when it ends, however it ends. */
  private async *watch(
    call: ChatCall,
    settings: DecisionLogSettings,
    outcome: ChatOutcome,
    upstream: AsyncIterable<ChatCompletionChunk>,
  ): AsyncGenerator<ChatCompletionChunk> {
    let usage: Usage | null = null;
    let status = 200;
    try {
      for await (const chunk of upstream) {
        if (chunk.usage) usage = chunk.usage;
        yield chunk;
      }
    } catch (error) {
      status = error instanceof GatewayError ? error.status : 502;
      throw error;
    } finally {
      if (status === 200 && call.context.signal.aborted) status = 499;
      this.write(call, settings, { status, usage, outcome, attempts: outcome.attempts.length });
    }
  }

  private write(call: ChatCall, settings: DecisionLogSettings, result: CallResult): void {
    this.recorded.add(call);
    const { plan, intent } = { plan: call.plan!, intent: call.intent! };
    const decision = plan.decision;
    const unconfigured = PROVIDER_KEYS.filter((p) => !this.availability.isProviderConfigured(p));
    const input = routingInputOf(call, call.budget);
    const outcome = result.outcome;
    const usage = result.usage;
    const record: DecisionRecord = {
      createdAt: new Date(),
      requestId: call.context.requestId,
      tenantId: call.context.principal.tenantId,
      inputs: loggedInputs(input, this.routing.thresholds, decision, unconfigured, settings.routing),
      intent: intent.label,
      kind: decision.kind ?? null,
      targetProvider: decision.target?.provider ?? null,
      targetModel: decision.target?.model ?? null,
      budgetDowngraded: decision.budgetDowngraded,
      decision: loggedDecision(decision),
      servedProvider: outcome ? outcome.provider : null,
      servedModel: outcome ? outcome.model : null,
      attempts: result.attempts,
      promptTokens: usage?.prompt_tokens ?? 0,
      completionTokens: usage?.completion_tokens ?? 0,
      cachedTokens: usage?.prompt_tokens_details?.cached_tokens ?? 0,
      costNano: outcome && !outcome.fromCache ? (outcome.costNano ?? 0) : 0,
      latencyMs: Math.round(elapsedMs(call.context.startedAt)),
      status: result.status,
      cacheHit: outcome?.fromCache ?? false,
      promptHash: settings.promptHash ? promptHash(call) : null,
      experimentId: call.experiment?.id ?? null,
      experimentArm: call.experiment?.arm ?? null,
    };
    this.log.record(record);
  }
}

/** SHA-256 of the prompt as routed (after any redaction): for deduplication, never stored as text. */
function promptHash(call: ChatCall): Buffer {
  return createHash('sha256').update(JSON.stringify(call.request.messages)).digest();
}
