import { trace, type Span } from '@opentelemetry/api';
import type { PolicyRef } from '../../audit/audit.types';
import type { BudgetReservation, BudgetStatus } from '../../billing/billing.types';
import type { CacheOutcome, TenantCacheSettings } from '../../caching/chat-cache.service';
import type { IntentResult } from '../../common/intent-labels';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
} from '../../common/openai/chat.types';
import type { Principal } from '../../common/principal';
import type { PolicyEndpoint } from '../../policy/request-limits';
import type { AttemptRecord } from '../../providers/provider.types';
import type { RoutingPolicy } from '../../routing/routing-policy';
import type { PlannedTarget, RoutePlan } from '../../routing/routing.types';
import type { RouterMetadata } from '../router-metadata';

/** What the controller knows about the call. */
export interface ChatCallContext {
  requestId: string;
  principal: Principal;
  /** process.hrtime.bigint() at arrival. */
  startedAt: bigint;
  /** Aborted when the client goes away: the upstream call is aborted with it. */
  signal: AbortSignal;
  /** Client cache directive from the x-modelmuxer-cache header ("true"/"false"), if any. */
  cacheDirective?: string;
  /** The Cache-Control request header (no-cache: skip the lookup; no-store: no cache at all; only-if-cached). */
  cacheControl?: string;
  /** The API surface the request came in through, for the tenant policy (default chat_completions). */
  endpoint?: PolicyEndpoint;
  /** For the audit trail; default "POST /v1/chat/completions". */
  route?: string;
}

/** complete: JSON answer; stream: SSE chunks; explain: the routing decision only (no provider call). */
export type ChatCallMode = 'complete' | 'stream' | 'explain';

/** Where the answer came from: an upstream call (either shape), or the response cache. */
export interface ChatOutcome {
  /** The answering target; for a cache hit, the provider and model that answered originally. */
  provider: string;
  model: string;
  /** The planned target that answered (absent for a cache hit). */
  target: PlannedTarget | null;
  attempts: AttemptRecord[];
  /** Set for `complete` (and cache hits). */
  completion: ChatCompletion | null;
  /** Set for `stream`: the upstream chunks, metered by the account step. */
  chunks: AsyncIterable<ChatCompletionChunk> | null;
  /** Upstream wall time (complete) or time to the first chunk (stream), ms. */
  upstreamMs: number;
  /** What the answer cost (nano-USD); null until known (a stream is priced at its end). */
  costNano: number | null;
  /** The billed usage is the gateway's estimate (the upstream reported none that is valid). */
  usageEstimated: boolean;
  fromCache: boolean;
}

/**
 * reserve: a request without max_tokens whose reservation is its output estimate, because the
 * budget had no ample room for the model's whole ceiling (docs/billing.md "Right-sized
 * reservations"). What each target may produce is what the reservation covers at its price
 * (outputTokensCovered): a stream extends the reservation as it goes, or is cut off; a
 * non-stream request (and a stream of a model with hidden reasoning tokens) is sent upstream
 * with max_completion_tokens set to it.
 */
export interface OutputAllowance {
  /** The output estimate per choice reserved at the primary target (router_metadata). */
  perChoice: number;
  /** max_completion_tokens is sent upstream, per target (no extension: the provider stops there). */
  capUpstream: boolean;
  /** A stream that the budget ended (finish_reason "length", router_metadata.budget_cutoff). */
  cutOff: boolean;
}

/** The finished response. */
export type ChatResponse =
  | {
      kind: 'json';
      body: ChatCompletion & { router_metadata: RouterMetadata };
      headers: Record<string, string>;
    }
  | { kind: 'stream'; chunks: AsyncGenerator<ChatCompletionChunk>; headers: Record<string, string> };

/**
 * One request on its way through the pipeline (src/chat/pipeline/chat-pipeline.ts). Each step
 * reads what earlier steps wrote and writes its own part; the comments name the writer.
 */
export interface ChatCall {
  readonly mode: ChatCallMode;
  readonly context: ChatCallContext;
  /** Whether router_metadata reports the intent (INTENT_ENABLED) / says the answer is simulated. */
  readonly reportIntent: boolean;
  readonly simulated: boolean;
  /** The request's span (the HTTP server span active when the call began), when traced. */
  readonly span: Span | null;
  /** The request as the client sent it; the policy step may replace it by a redacted copy. */
  request: ChatCompletionRequest;
  /** policy: notes for router_metadata, the tenant's effective routing policy and cache settings. */
  policyNotes: string[];
  /** policy: the policy that applies (set before it decides, so a refusal names it too) and what it redacted. */
  policyRef: PolicyRef | null;
  redactions: Partial<Record<string, number>>;
  tenantRouting: RoutingPolicy | null;
  /** null: the CACHE_* defaults (and always in modes without a policy). */
  cacheSettings: TenantCacheSettings | null;
  /** experiment: the A/B routing experiment and arm the call runs under (null: none). */
  experiment: { id: string; arm: string } | null;
  /** classify: the intent, and the prompt-token counts (routing's estimate, the reservation's upper bound). */
  intent: IntentResult | null;
  estimatedPromptTokens: number;
  promptTokens: number;
  /** route: the budget state that steered routing, the plan, and the response headers so far. */
  budget: BudgetStatus | null;
  plan: RoutePlan | null;
  /** route: the model the router would have chosen without the budget, when the budget downgraded it. */
  modelBeforeDowngrade: string | null;
  headers: Record<string, string>;
  /**
   * cache lookup: what the cache said (HIT | SEMANTIC_HIT with the answer, MISS | BYPASS with the
   * `store` for the fresh answer); null when the cache was not consulted (no cache, explain).
   */
  cache: CacheOutcome | null;
  /** reserve: the budget reservation (null when no budget applies). */
  reservation: BudgetReservation | null;
  /** reserve: the output the reservation allows when it is not the model's ceiling (see OutputAllowance). */
  outputAllowance: OutputAllowance | null;
  /** account: an answer ended with finish_reason "length" (not cached when the budget capped it). */
  outputTruncated: boolean;
  /** execute (or a cache hit): the answer. */
  outcome: ChatOutcome | null;
  /** respond: what the controller sends. */
  response: ChatResponse | null;
}

export function newChatCall(
  mode: ChatCallMode,
  request: ChatCompletionRequest,
  context: ChatCallContext,
  flags: { reportIntent: boolean; simulated: boolean },
): ChatCall {
  return {
    mode,
    context,
    reportIntent: flags.reportIntent,
    simulated: flags.simulated,
    span: trace.getActiveSpan() ?? null,
    request,
    policyNotes: [],
    policyRef: null,
    redactions: {},
    tenantRouting: null,
    cacheSettings: null,
    experiment: null,
    intent: null,
    estimatedPromptTokens: 0,
    promptTokens: 0,
    budget: null,
    plan: null,
    modelBeforeDowngrade: null,
    headers: {},
    cache: null,
    reservation: null,
    outputAllowance: null,
    outputTruncated: false,
    outcome: null,
    response: null,
  };
}

/** A step of the chat pipeline: a small provider with one job. */
export interface ChatStep {
  /** For traces, logs and docs: policy, classify, route, cache_lookup, reserve, execute, ... */
  readonly name: string;
  /**
   * Runs for this call? Steps after an early answer (a cache hit) are skipped unless they say
   * otherwise here; `explain` runs only the steps that decide (policy, classify, route).
   */
  appliesTo(call: ChatCall): boolean;
  run(call: ChatCall): Promise<void> | void;
  /**
   * Optional: told when a step threw (the call fails with `error`), e.g. to record the failure.
   * Must not throw. Runs for every step that has it, whether or not it ran for this call.
   */
  onCallFailed?(call: ChatCall, error: unknown): void;
}

/** DI token of the ordered step list (chat.module.ts: CHAT_STEP_ORDER). */
export const CHAT_STEPS = Symbol('CHAT_STEPS');

/** The intent and plan of a call past the route step (they are always set there). */
export function routed(call: ChatCall): { intent: IntentResult; plan: RoutePlan } {
  if (!call.intent || !call.plan) throw new Error(`pipeline order: ${call.mode} call used before routing`);
  return { intent: call.intent, plan: call.plan };
}

export function answered(call: ChatCall): ChatOutcome {
  if (!call.outcome) throw new Error('pipeline order: no outcome before the account/respond steps');
  return call.outcome;
}
