import type { ChatCompletion, FinishReason, ToolCall, Usage } from '../../common/openai/chat.types';
import type {
  MessagesResponse,
  MessagesResponseBlock,
  MessagesStopReason,
  MessagesThinkingLike,
  MessagesUsage,
} from './messages.types';

/**
 * The internal (OpenAI-shaped) answer → Anthropic Messages response. Pure.
 *   finish_reason stop → end_turn (stop_sequence when the provider named the sequence that
 *   matched), length → max_tokens, tool_calls / function_call → tool_use, content_filter → refusal
 *   usage: prompt tokens less the cached and cache-written ones → input_tokens;
 *   cached_tokens → cache_read_input_tokens; cache_creation_tokens → cache_creation_input_tokens
 *   content: thinking blocks (when the target returned some), then the text, then tool_use blocks
 */
export function toMessagesResponse(completion: ChatCompletion, requestedModel: string): MessagesResponse {
  const choice = completion.choices[0];
  const message = choice?.message;
  const content: MessagesResponseBlock[] = [...thinkingBlocksOf(message)];
  if (typeof message?.content === 'string' && message.content.length > 0) {
    content.push({ type: 'text', text: message.content });
  }
  for (const call of message?.tool_calls ?? []) content.push(toolUseBlock(call));
  const stopSequence = stopSequenceOf(choice);
  return {
    id: messageId(completion.id),
    type: 'message',
    role: 'assistant',
    model: completion.model || requestedModel,
    content,
    stop_reason: toStopReason(choice?.finish_reason ?? null, stopSequence),
    stop_sequence: stopSequence,
    usage: toMessagesUsage(completion.usage),
  };
}

/** Anthropic ids start with msg_; other providers' ids are kept after that prefix. */
export function messageId(id: string | undefined): string {
  if (!id) return 'msg_modelmuxer';
  return id.startsWith('msg_') ? id : `msg_${id}`;
}

export function toStopReason(
  finish: FinishReason | string | null,
  stopSequence: string | null = null,
): MessagesStopReason | null {
  switch (finish) {
    case null:
      return null;
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
    case 'function_call':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    default:
      return stopSequence !== null ? 'stop_sequence' : 'end_turn';
  }
}

/** The internal usage → Anthropic's (whose input_tokens excludes cache reads and writes). */
export function toMessagesUsage(usage: Usage | null | undefined): MessagesUsage {
  const details = usage?.prompt_tokens_details;
  const cacheRead = count(details?.cached_tokens);
  const cacheWrite = count(details?.cache_creation_tokens);
  return {
    input_tokens: Math.max(0, count(usage?.prompt_tokens) - cacheRead - cacheWrite),
    output_tokens: count(usage?.completion_tokens),
    cache_creation_input_tokens: cacheWrite,
    cache_read_input_tokens: cacheRead,
  };
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}

/**
 * Tool arguments are a JSON string internally and an object in Anthropic's API. Arguments that
 * are not a JSON object (a model's malformed output) are kept, unparsed, under `_raw_arguments`
 * rather than dropped.
 */
export function toolInput(args: string): Record<string, unknown> {
  if (args.trim() === '') return {};
  try {
    const parsed = JSON.parse(args) as unknown;
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      return parsed as Record<string, unknown>;
    }
  } catch {
    // fall through
  }
  return { _raw_arguments: args };
}

function toolUseBlock(call: ToolCall): MessagesResponseBlock {
  return {
    type: 'tool_use',
    id: call.id,
    name: call.function.name,
    input: toolInput(call.function.arguments),
  };
}

/** Thinking blocks an Anthropic target returned (the `thinking_blocks` extension of the message). */
function thinkingBlocksOf(message: unknown): MessagesThinkingLike[] {
  const blocks = (message as { thinking_blocks?: unknown } | undefined)?.thinking_blocks;
  if (!Array.isArray(blocks)) return [];
  return blocks.filter(
    (block): block is MessagesThinkingLike =>
      typeof block === 'object' &&
      block !== null &&
      ((block as { type?: unknown }).type === 'thinking' ||
        (block as { type?: unknown }).type === 'redacted_thinking'),
  );
}

/** The stop sequence that ended the turn, when the provider named it (Anthropic targets do). */
function stopSequenceOf(choice: unknown): string | null {
  const sequence = (choice as { stop_sequence?: unknown } | undefined)?.stop_sequence;
  return typeof sequence === 'string' ? sequence : null;
}
