import { Inject, Injectable } from '@nestjs/common';
import { costNanoUsd } from '../../../common/pricing';
import { GatewayError } from '../../../common/errors';
import { outputTokensCovered } from '../../../billing/budgets/output-estimate';
import { requestedMaxOutputTokens } from '../../../common/token-estimator';
import {
  PROVIDER_EXECUTOR,
  ProviderError,
  type AttemptRecord,
  type ProviderExecutor,
} from '../../../providers/provider.types';
import type { PlannedTarget } from '../../../routing/routing.types';
import { routed, type ChatCall, type ChatOutcome, type ChatStep } from '../chat-call';
import { UsageAccounting } from '../usage-accounting';
import { callAttributes } from '../call-telemetry';
import { spanContentCapture } from '../span-content';
import { AppConfig } from '../../../config/app-config';

/**
 * Output tokens assumed for a call the client abandoned while it was in flight, when the client
 * set no max_tokens (the provider may bill the whole completion; we cannot see it).
 */
export const ABORTED_OUTPUT_ESTIMATE_TOKENS = 1_024;

/**
 * Calls the provider layer (retries, circuit breakers and fallbacks live there), streamed or not
 * through the same path. Writes: outcome. A failure gives the reservation back and is recorded,
 * except when the client went away while a call was in flight: the provider may still bill it,
 * so it is settled at the estimate (prompt + the output the client allowed, never more than was
 * reserved).
 */
@Injectable()
export class ExecuteStep implements ChatStep {
  readonly name = 'execute';

  constructor(
    @Inject(PROVIDER_EXECUTOR) private readonly executor: ProviderExecutor,
    private readonly accounting: UsageAccounting,
    private readonly config: AppConfig,
  ) {}

  appliesTo(call: ChatCall): boolean {
    return call.mode !== 'explain' && call.outcome === null;
  }

  async run(call: ChatCall): Promise<void> {
    const chain = cappedChain(call, routed(call).plan.chain);
    const traced = call.span?.isRecording() === true;
    const { captureContent, contentMaxChars } = this.config.telemetry;
    const options = {
      signal: call.context.signal,
      requestId: call.context.requestId,
      spanAttributes: traced ? callAttributes(call) : undefined,
      content: traced && captureContent ? spanContentCapture(call.request, contentMaxChars) : undefined,
    };
    const request = call.request;
    try {
      if (call.mode === 'stream') {
        const execution = await this.executor.stream(chain, request, options);
        call.outcome = outcome(execution.target, execution.attempts, execution.firstChunkMs, {
          chunks: execution.chunks,
        });
      } else {
        const execution = await this.executor.complete(chain, request, options);
        call.outcome = outcome(execution.target, execution.attempts, execution.upstreamMs, {
          completion: execution.completion,
        });
      }
    } catch (error) {
      this.failed(call, chain, error);
      throw error;
    }
  }

  private failed(call: ChatCall, chain: PlannedTarget[], error: unknown): void {
    const attempts = error instanceof ProviderError ? (error.attempts ?? []) : [];
    const last = attempts[attempts.length - 1];
    const inFlight = call.context.signal.aborted && last !== undefined && last.outcome === 'error';
    const target = last ? (chain.find((item) => item.model === last.model) ?? chain[0]) : chain[0];
    const estimate = inFlight ? abortedCallEstimate(call, target) : null;
    const costNano =
      estimate === null ? 0 : Math.min(estimate.costNano, call.reservation?.amountNano ?? Infinity);
    void this.accounting.settleReservation(call, estimate ? costNano : null);
    void this.accounting.record(call, {
      provider: last?.provider ?? chain[0].provider,
      model: last?.model ?? chain[0].model,
      promptTokens: estimate?.promptTokens ?? 0,
      completionTokens: estimate?.completionTokens ?? 0,
      cachedTokens: 0,
      costNano,
      status: call.context.signal.aborted ? 499 : error instanceof GatewayError ? error.status : 500,
    });
  }
}

/**
 * The chain as walked: when the reserve step capped the call, each target carries the output its
 * reservation covers at its price (sent upstream as max_completion_tokens, which every translator
 * maps: Mistral renames it to max_tokens, Anthropic sends it as max_tokens, reasoning models take
 * it as is); a target the reservation cannot cover any output of is left out.
 */
function cappedChain(call: ChatCall, chain: PlannedTarget[]): PlannedTarget[] {
  if (!call.outputAllowance?.capUpstream || !call.reservation) return chain;
  const amount = call.reservation.amountNano;
  const choices = Math.max(1, call.request.n ?? 1);
  const capped = chain.map((target) => ({
    ...target,
    outputCap: Math.min(
      target.maxOutputTokens,
      outputTokensCovered(amount, target, call.promptTokens, choices),
    ),
  }));
  return capped.filter((target) => target.outputCap >= 1);
}

function outcome(
  target: PlannedTarget,
  attempts: AttemptRecord[],
  upstreamMs: number,
  answer: Pick<ChatOutcome, 'completion'> | Pick<ChatOutcome, 'chunks'>,
): ChatOutcome {
  return {
    provider: target.provider,
    model: target.model,
    target,
    attempts,
    completion: null,
    chunks: null,
    ...answer,
    upstreamMs,
    costNano: null,
    usageEstimated: false,
    fromCache: false,
  };
}

/** What a call abandoned mid-flight is assumed to cost. */
function abortedCallEstimate(call: ChatCall, target: PlannedTarget) {
  const output =
    Math.min(
      requestedMaxOutputTokens(call.request) ?? ABORTED_OUTPUT_ESTIMATE_TOKENS,
      target.maxOutputTokens,
    ) * Math.max(1, call.request.n ?? 1);
  const tokens = { promptTokens: call.promptTokens, completionTokens: output };
  return { ...tokens, costNano: costNanoUsd(target.spec.pricing, tokens) };
}
