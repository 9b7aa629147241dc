import { Inject, Injectable } from '@nestjs/common';
import { BUDGET_ENFORCER, type BudgetEnforcer } from '../../billing/billing.types';
import {
  countedStreamTokens,
  outputCostNano,
  outputTokensCovered,
  streamExtensionTokens,
} from '../../billing/budgets/output-estimate';
import type { ChatCompletionChunk } from '../../common/openai/chat.types';
import { estimateTextTokens } from '../../common/token-estimator';
import type { PlannedTarget } from '../../routing/routing.types';
import type { ChatCall, OutputAllowance } from './chat-call';
import { routerMetadata } from './metadata';

/**
 * The budget cut-off of a stream whose reservation is an OutputAllowance (docs/billing.md
 * "Right-sized reservations"). Output is counted as it passes (o200k per delta plus
 * STREAM_COUNT_MARGIN); a chunk that would take it past what is reserved first extends the
 * reservation by another allowance (BudgetEnforcer.extend). When the budget cannot cover that,
 * the stream ends there: a final chunk with finish_reason "length" on every open choice and
 * router_metadata.budget_cutoff = true, then a usage chunk billing what was relayed (prompt
 * bound + counted output, within the reservation); the upstream call is aborted.
 */
/** What a stream may still produce: tokens covered by its reservation on the answering target. */
interface StreamBudget {
  target: PlannedTarget;
  promptTokens: number;
  /** Output tokens (all choices) the reservation covers now. */
  covered: number;
  /** The model's ceiling × choices: at it the reservation is the true worst case. */
  ceiling: number;
  /** Tokens asked for per extension: the estimate × choices. */
  step: number;
}

@Injectable()
export class StreamAllowance {
  constructor(@Inject(BUDGET_ENFORCER) private readonly budgets: BudgetEnforcer) {}

  async *enforce(
    call: ChatCall,
    allowance: OutputAllowance,
    target: PlannedTarget,
    upstream: AsyncIterable<ChatCompletionChunk>,
  ): AsyncGenerator<ChatCompletionChunk> {
    const choices = Math.max(1, call.request.n ?? 1);
    const budget: StreamBudget = {
      target,
      promptTokens: call.promptTokens,
      covered: this.covered(call, target),
      ceiling: target.maxOutputTokens * choices,
      step: allowance.perChoice * choices,
    };
    let counted = 0;
    const open = new Set<number>();
    for await (const chunk of upstream) {
      const tokens = countedStreamTokens(estimateTextTokens(chunkOutputText(chunk)));
      if (counted + tokens > budget.covered && !(await this.grow(call, budget, counted + tokens))) {
        allowance.cutOff = true;
        yield cutOffChunk(chunk, [...open], call);
        yield usageChunk(chunk, call.promptTokens, counted);
        return; // leaving the loop returns the upstream iterator: the provider call is aborted
      }
      counted += tokens;
      for (const choice of chunk.choices) {
        if (choice.finish_reason) open.delete(choice.index);
        else open.add(choice.index);
      }
      yield chunk;
    }
  }

  private covered(call: ChatCall, target: PlannedTarget): number {
    const reserved = call.reservation?.amountNano ?? 0;
    return outputTokensCovered(reserved, target, call.promptTokens);
  }

  /** Extends the reservation until it covers `needed` tokens; false when the budget cannot. */
  private async grow(call: ChatCall, budget: StreamBudget, needed: number): Promise<boolean> {
    while (budget.covered < needed) {
      // At the model's ceiling the reservation is the true worst case: the provider stops there.
      if (budget.covered >= budget.ceiling) return true;
      const more = streamExtensionTokens(budget.covered, budget.step, budget.ceiling);
      const cost = outputCostNano(budget.target, more);
      if (!call.reservation || !(await this.budgets.extend(call.reservation, cost))) return false;
      budget.covered = this.covered(call, budget.target);
    }
    return true;
  }
}

/** The generated text a chunk carries (content, refusals, tool-call names and arguments, reasoning). */
export function chunkOutputText(chunk: ChatCompletionChunk): string {
  let text = '';
  for (const choice of chunk.choices) {
    const delta = choice.delta as Record<string, unknown> & typeof choice.delta;
    if (typeof delta.content === 'string') text += delta.content;
    if (typeof delta.refusal === 'string') text += delta.refusal;
    for (const field of ['reasoning_content', 'reasoning']) {
      if (typeof delta[field] === 'string') text += delta[field] as string;
    }
    for (const call of delta.tool_calls ?? []) {
      text += (call.function?.name ?? '') + (call.function?.arguments ?? '');
    }
  }
  return text;
}

function cutOffChunk(last: ChatCompletionChunk, open: number[], call: ChatCall): ChatCompletionChunk {
  const indexes = open.length > 0 ? open : [0];
  return {
    id: last.id,
    object: 'chat.completion.chunk',
    created: last.created,
    model: last.model,
    choices: indexes.map((index) => ({ index, delta: {}, finish_reason: 'length' })),
    router_metadata: routerMetadata(call, 'start'),
  };
}

function usageChunk(
  last: ChatCompletionChunk,
  promptTokens: number,
  completionTokens: number,
): ChatCompletionChunk {
  return {
    id: last.id,
    object: 'chat.completion.chunk',
    created: last.created,
    model: last.model,
    choices: [],
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    },
  };
}
