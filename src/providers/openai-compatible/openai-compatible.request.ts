import type { ChatCompletionRequest, ChatMessage } from '../../common/openai/chat.types';
import type { ProviderRequest } from '../provider.types';
import { unsupportedParameter } from '../shared/provider-errors';
import { FORWARD, OpenAICompatibleDialect } from './openai-compatible.dialect';

/** Fields the translation sets itself (never copied by the parameter loop). */
const HANDLED = new Set(['model', 'messages', 'stream', 'stream_options', 'tool_choice']);

/**
 * The messages without Anthropic `thinking_blocks` (an extension only Claude understands); the
 * same array when no message has any (the common case costs one scan).
 */
export function withoutThinkingBlocks(messages: readonly ChatMessage[]): ChatMessage[] {
  if (!messages.some((message) => message.thinking_blocks !== undefined)) return messages as ChatMessage[];
  return messages.map((message) => {
    if (message.thinking_blocks === undefined) return message;
    const { thinking_blocks: _dropped, ...rest } = message;
    return rest as ChatMessage;
  });
}

/** The JSON body sent upstream: OpenAI's shape with the dialect's differences applied. */
export type OpenAICompatibleBody = Record<string, unknown> & {
  model: string;
  messages: unknown[];
  stream: boolean;
};

/**
 * Builds the upstream body. Pure: never mutates `request` (the executor reuses it for fallbacks).
 * Top-level nulls are not sent (null means "the default" in OpenAI's API, and stricter
 * upstreams reject explicit nulls for some fields).
 */
export function toOpenAICompatibleRequest(
  request: ProviderRequest,
  dialect: OpenAICompatibleDialect,
  stream: boolean,
): OpenAICompatibleBody {
  const messages =
    dialect.thinkingBlocks === 'forward' ? request.messages : withoutThinkingBlocks(request.messages);
  const body: OpenAICompatibleBody = {
    model: request.model,
    messages: dialect.translateMessages ? dialect.translateMessages(messages) : messages,
    stream,
  };
  for (const key in request) {
    if (HANDLED.has(key)) continue;
    const value = (request as ChatCompletionRequest)[key];
    if (value === undefined || value === null) continue;
    const rule = dialect.parameters[key] ?? (dialect.otherParameters === 'forward' ? FORWARD : undefined);
    if (rule === undefined) continue;
    switch (rule.action) {
      case 'forward':
        // A renamed parameter (e.g. max_completion_tokens → max_tokens) wins over its target.
        if (!(key in body)) body[key] = value;
        break;
      case 'rename':
        body[rule.to] = value;
        break;
      case 'drop':
        break;
      case 'reject':
        if (rule.neutral?.(value)) break;
        throw unsupportedParameter(dialect.provider, key, rule.why);
    }
  }
  const toolChoice = request.tool_choice;
  if (toolChoice !== undefined && toolChoice !== null) {
    body.tool_choice = toolChoice === 'required' ? dialect.toolChoiceRequired : toolChoice;
  }
  if (stream && dialect.streamUsage === 'stream_options') {
    // Usage is always requested (cost tracking); the pipeline decides what the client sees.
    body.stream_options = { ...(request.stream_options ?? {}), include_usage: true };
  }
  return body;
}
