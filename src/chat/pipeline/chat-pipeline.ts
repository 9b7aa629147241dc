import { Inject, Injectable } from '@nestjs/common';
import { AUDIT_RECORDER, type AuditRecorder } from '../../audit/audit.types';
import type { ChatCompletionChunk, ChatCompletionRequest } from '../../common/openai/chat.types';
import type { IntentResult } from '../../common/intent-labels';
import { AppConfig } from '../../config/app-config';
import type { RouteTarget, RoutingDecision } from '../../routing/routing.types';
import type { ChatCompletionWithMetadata } from '../router-metadata';
import {
  CHAT_STEPS,
  newChatCall,
  routed,
  type ChatCall,
  type ChatCallContext,
  type ChatCallMode,
  type ChatStep,
} from './chat-call';
import { annotateCall, runTracedStep } from './call-telemetry';
import { withCallContext } from './metadata';
import { chatAuditEvents } from './audit-events';

export interface ChatResult {
  body: ChatCompletionWithMetadata;
  headers: Record<string, string>;
}

export interface ChatStream {
  headers: Record<string, string>;
  /** The gateway's estimate of the prompt tokens (the classify step's), before the upstream reports usage. */
  estimatedPromptTokens: number;
  /**
   * OpenAI chunks for the client: router_metadata on the first (and on the usage chunk, with the
   * cost). Throws a GatewayError mid-iteration when the upstream fails after the first chunk.
   */
  chunks: AsyncGenerator<ChatCompletionChunk>;
}

export interface RouterExplanation {
  object: 'router.explanation';
  request_id: string;
  intent: {
    label: string | null;
    confidence: number | null;
    method: string;
    signals: IntentResult['signals'];
    scores: IntentResult['scores'] | null;
  };
  estimated_prompt_tokens: number;
  selected_provider: string | null;
  selected_model: string | null;
  routing_reason: string;
  decision_kind: string | null;
  estimated_cost_usd: number | null;
  budget_downgraded: boolean;
  refusal: RoutingDecision['refusal'];
  failure: RoutingDecision['failure'] | null;
  fallbacks: RouteTarget[];
  candidates: RoutingDecision['candidates'];
  /** Present when the tenant runs an A/B routing experiment: the arm the request would run under. */
  experiment?: { id: string; arm: string };
}

/**
 * The conductor of /v1/chat/completions and /v1/router/explain. Authentication and the rate
 * limit ran before (the global ClientAuthGuard); then the steps, in the order of CHAT_STEPS
 * (chat.module.ts): policy → experiment → classify → route → cache lookup → reserve → execute →
 * account → decision log → cache store → respond. Each step says whether it applies to a call
 * (modes without a cache or budgets have steps that never apply; a cache hit skips the upstream
 * steps; explain stops at the decision). Errors raised after routing carry router_metadata (withCallContext). What the
 * gateway decided about the call (refusals, redactions, downgrades, fallbacks) goes to the audit
 * trail (AUDIT_RECORDER, batched).
 */
@Injectable()
export class ChatPipeline {
  constructor(
    @Inject(CHAT_STEPS) private readonly steps: readonly ChatStep[],
    private readonly config: AppConfig,
    @Inject(AUDIT_RECORDER) private readonly audit: AuditRecorder,
  ) {}

  async complete(request: ChatCompletionRequest, context: ChatCallContext): Promise<ChatResult> {
    const response = (await this.run('complete', request, context)).response;
    if (response?.kind !== 'json') throw new Error('pipeline: no JSON response');
    return { body: response.body, headers: response.headers };
  }

  async stream(request: ChatCompletionRequest, context: ChatCallContext): Promise<ChatStream> {
    const call = await this.run('stream', request, context);
    const response = call.response;
    if (response?.kind !== 'stream') throw new Error('pipeline: no stream response');
    return {
      headers: response.headers,
      chunks: response.chunks,
      estimatedPromptTokens: call.estimatedPromptTokens,
    };
  }

  /** The routing decision for a request, without calling any provider. */
  async explain(request: ChatCompletionRequest, context: ChatCallContext): Promise<RouterExplanation> {
    return explanation(await this.run('explain', request, context));
  }

  private async run(
    mode: ChatCallMode,
    request: ChatCompletionRequest,
    context: ChatCallContext,
  ): Promise<ChatCall> {
    const call = newChatCall(mode, request, context, {
      reportIntent: this.config.intent.enabled,
      simulated: this.config.testMode,
    });
    let failure: unknown = null;
    try {
      for (const step of this.steps) {
        if (step.appliesTo(call)) await runTracedStep(step, call);
      }
    } catch (error) {
      failure = error;
      for (const step of this.steps) step.onCallFailed?.(call, error);
      throw withCallContext(error, call);
    } finally {
      annotateCall(call);
      // The gateway's decisions about the call, buffered for the audit trail (not awaited).
      for (const event of chatAuditEvents(call, failure)) this.audit.record(event);
    }
    return call;
  }
}

function explanation(call: ChatCall): RouterExplanation {
  const { intent, plan } = routed(call);
  const decision = plan.decision;
  return {
    object: 'router.explanation',
    request_id: call.context.requestId,
    intent: {
      label: intent.label,
      confidence: intent.label === null ? null : intent.confidence,
      method: intent.method,
      signals: intent.signals,
      scores: intent.scores ?? null,
    },
    estimated_prompt_tokens: call.promptTokens,
    selected_provider: decision.target?.provider ?? null,
    selected_model: decision.target?.model ?? null,
    routing_reason: decision.reason,
    decision_kind: decision.kind ?? null,
    estimated_cost_usd: decision.target ? decision.estimatedCostUsd : null,
    budget_downgraded: decision.budgetDowngraded,
    refusal: decision.refusal,
    failure: decision.failure ?? null,
    fallbacks: decision.fallbacks,
    candidates: decision.candidates,
    ...(call.experiment ? { experiment: { ...call.experiment } } : {}),
  };
}
