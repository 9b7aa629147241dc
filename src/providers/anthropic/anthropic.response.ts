import type { ChatCompletion, FinishReason, ToolCall, Usage } from '../../common/openai/chat.types';
import { malformedResponseError } from '../shared/provider-errors';
import { JSON_RESPONSE_TOOL } from './anthropic.request';
import type { AnthropicResponse, AnthropicToolUseBlock, AnthropicUsage } from './anthropic.types';

/**
 * Anthropic stop_reason → OpenAI finish_reason. A turn that ended by calling only the JSON
 * mode tool is a normal "stop" (the client asked for JSON text, not a tool call).
 */
export function toFinishReason(stopReason: string | null | undefined, realToolCalled: boolean): FinishReason {
  switch (stopReason) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return realToolCalled ? 'tool_calls' : 'stop';
    case 'refusal':
      return 'content_filter';
    default:
      // end_turn, stop_sequence, pause_turn (server tools paused: the turn ends here)
      return 'stop';
  }
}

/**
 * Anthropic usage → OpenAI usage. Anthropic's input_tokens excludes cached tokens; OpenAI's
 * prompt_tokens includes them, with the cached part in prompt_tokens_details.cached_tokens.
 * Cache writes (billed at a premium by Anthropic) are kept as
 * prompt_tokens_details.cache_creation_tokens.
 */
export function toOpenAIUsage(usage: AnthropicUsage): Usage {
  const input = usage.input_tokens ?? 0;
  const cacheRead = usage.cache_read_input_tokens ?? 0;
  const cacheWrite = usage.cache_creation_input_tokens ?? 0;
  const prompt = input + cacheRead + cacheWrite;
  const completion = usage.output_tokens ?? 0;
  const details: NonNullable<Usage['prompt_tokens_details']> = { cached_tokens: cacheRead };
  if (cacheWrite > 0) details.cache_creation_tokens = cacheWrite;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: details,
  };
}

function isToolUse(block: { type: string }): block is AnthropicToolUseBlock {
  return block.type === 'tool_use';
}

/** Anthropic message → OpenAI chat.completion. Pure; `created` is passed in. */
export function fromAnthropicResponse(body: unknown, created: number): ChatCompletion {
  if (typeof body !== 'object' || body === null || !Array.isArray((body as { content?: unknown }).content)) {
    throw malformedResponseError('anthropic', 'no content in the message');
  }
  const message = body as AnthropicResponse;
  let text = '';
  let hasText = false;
  const toolCalls: ToolCall[] = [];
  const thinking: Array<Record<string, unknown>> = [];
  for (const block of message.content) {
    if (block.type === 'text') {
      text += (block as { text: string }).text;
      hasText = true;
    } else if (isToolUse(block)) {
      if (block.name === JSON_RESPONSE_TOOL) {
        text += JSON.stringify(block.input ?? {});
        hasText = true;
      } else {
        toolCalls.push({
          id: block.id,
          type: 'function',
          function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) },
        });
      }
    } else if (block.type === 'thinking' || block.type === 'redacted_thinking') {
      // No Chat Completions equivalent: kept as the `thinking_blocks` extension (for /v1/messages).
      thinking.push(block as Record<string, unknown>);
    }
    // server tool blocks have no Chat Completions equivalent.
  }
  const completion: ChatCompletion = {
    id: message.id,
    object: 'chat.completion',
    created,
    model: message.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: hasText || toolCalls.length === 0 ? text : null,
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
          ...(thinking.length > 0 ? { thinking_blocks: thinking } : {}),
        },
        finish_reason: toFinishReason(message.stop_reason, toolCalls.length > 0),
        logprobs: null,
        // Which stop sequence ended the turn (an extension: /v1/messages reports it).
        ...(typeof message.stop_sequence === 'string' ? { stop_sequence: message.stop_sequence } : {}),
      },
    ],
    usage: toOpenAIUsage(message.usage ?? {}),
  };
  return completion;
}
