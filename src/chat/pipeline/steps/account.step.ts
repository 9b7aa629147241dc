import { Injectable } from '@nestjs/common';
import { GatewayError } from '../../../common/errors';
import type { ChatCompletionChunk } from '../../../common/openai/chat.types';
import { trustedUsage } from '../../../common/provider-usage';
import { estimateTextTokens } from '../../../common/token-estimator';
import { answered, type ChatCall, type ChatOutcome, type ChatStep } from '../chat-call';
import { UsageAccounting, usageCost } from '../usage-accounting';
import { noteCost } from '../call-telemetry';
import { completionText } from './cache-lookup.step';
import { StreamAllowance } from '../stream-allowance';

/**
 * Usage, cost and metrics of an upstream answer (UsageAccounting). The usage billed is the
 * upstream's where valid, else the gateway's estimate (prompt upper bound + the text it saw).
 * A completion is accounted now; a stream when it ends however it ends (finished, failed, client
 * gone: 499), by metering its chunks. Writes: outcome.costNano, usageEstimated (and the
 * completion's usage).
 */
@Injectable()
export class AccountStep implements ChatStep {
  readonly name = 'account';

  constructor(
    private readonly accounting: UsageAccounting,
    private readonly allowance: StreamAllowance,
  ) {}

  appliesTo(call: ChatCall): boolean {
    return call.outcome !== null && !call.outcome.fromCache;
  }

  async run(call: ChatCall): Promise<void> {
    const outcome = answered(call);
    if (outcome.chunks) {
      const allowance = call.outputAllowance;
      // A stream bounded by a right-sized reservation: extended as it goes, or cut off.
      const chunks =
        allowance && !allowance.capUpstream
          ? this.allowance.enforce(call, allowance, outcome.target!, outcome.chunks)
          : outcome.chunks;
      outcome.chunks = this.meter(call, outcome, chunks);
      return;
    }
    const completion = outcome.completion!;
    call.outputTruncated = completion.choices.some((choice) => choice.finish_reason === 'length');
    const { usage, estimated } = trustedUsage(completion.usage, {
      promptTokens: call.promptTokens,
      // Tokenised only when the upstream's count is unusable (≈ 0.1 ms for a short answer).
      completionTokens: () => estimateTextTokens(completionText(completion)),
    });
    completion.usage =
      outcome.target!.pricingKind === 'estimated' ? { ...usage, pricing: 'estimated' } : usage;
    outcome.usageEstimated = estimated;
    outcome.costNano = await this.accounting.answered(call, outcome.target!, usage, 200);
  }

  /**
   * Relays the upstream chunks unchanged, watching the usage they report and the text they carry.
   * When the usage chunk passes, the cost is known (outcome.costNano) for the closing metadata.
   */
  private async *meter(
    call: ChatCall,
    outcome: ChatOutcome,
    upstream: AsyncIterable<ChatCompletionChunk>,
  ): AsyncGenerator<ChatCompletionChunk> {
    const target = outcome.target!;
    const pricing = target.spec.pricing;
    let reported: unknown = undefined;
    let text = '';
    let status = 200;
    let failed = false;
    const usage = () =>
      trustedUsage(reported, {
        promptTokens: call.promptTokens,
        completionTokens: () => estimateTextTokens(text),
      });
    try {
      for await (const chunk of upstream) {
        if (chunk.usage) reported = chunk.usage;
        for (const choice of chunk.choices) {
          if (typeof choice.delta.content === 'string') text += choice.delta.content;
          if (choice.finish_reason === 'length') call.outputTruncated = true;
        }
        if (chunk.choices.length === 0) {
          const priced = usage();
          // A stream cut off by the budget is billed at the gateway's own count of what it relayed.
          outcome.usageEstimated = priced.estimated || call.outputAllowance?.cutOff === true;
          outcome.costNano = usageCost(pricing, priced.usage);
          noteCost(call);
          // What is billed is what the client is told (and whether its price is an estimate).
          chunk.usage =
            target.pricingKind === 'estimated' ? { ...priced.usage, pricing: 'estimated' } : priced.usage;
        }
        yield chunk;
      }
    } catch (error) {
      failed = true;
      status = error instanceof GatewayError ? error.status : 502;
      throw error;
    } finally {
      // Runs on success, on upstream failure, and when the client went away (generator return).
      if (!failed && call.context.signal.aborted) status = 499;
      // Awaited: the stream ends (and the client sees [DONE]) once its usage is written.
      const costNano = await this.accounting.answered(call, target, usage().usage, status);
      outcome.costNano ??= costNano;
    }
  }
}
