import { Injectable, PipeTransform } from '@nestjs/common';
import { validateSync } from 'class-validator';
import { ErrorCode, GatewayError } from '../common/errors';
import { validationErrorToGatewayError } from '../common/validation';
import { AppConfig, RequestLimits } from '../config/app-config';
import { toChatRequestDto } from './chat-completion.dto';
import { passesChatRequestFastCheck } from './chat-request-fast-check';
import { checkChatElements } from './chat-elements';
import type { ChatCompletionRequest } from '../common/openai/chat.types';

function tooMany(param: string, limit: number, what: string, variable: string): GatewayError {
  return new GatewayError(
    ErrorCode.ValidationFailed,
    `Invalid value for '${param}': at most ${limit} ${what} are accepted (${variable}).`,
    { param },
  );
}

/** The configurable size limits, checked before any per-element work. */
function checkSizes(body: Record<string, unknown>, limits: RequestLimits): void {
  const { messages, tools } = body;
  if (Array.isArray(messages)) {
    if (messages.length > limits.chatMaxMessages) {
      throw tooMany('messages', limits.chatMaxMessages, 'messages', 'CHAT_MAX_MESSAGES');
    }
    for (let i = 0; i < messages.length; i++) {
      const message = messages[i] as { content?: unknown; tool_calls?: unknown } | null;
      const content = message?.content;
      if (Array.isArray(content) && content.length > limits.chatMaxContentParts) {
        const param = `messages[${i}].content`;
        throw tooMany(param, limits.chatMaxContentParts, 'content parts', 'CHAT_MAX_CONTENT_PARTS');
      }
      const calls = message?.tool_calls;
      if (Array.isArray(calls) && calls.length > limits.chatMaxTools) {
        throw tooMany(`messages[${i}].tool_calls`, limits.chatMaxTools, 'tool calls', 'CHAT_MAX_TOOLS');
      }
    }
  }
  if (Array.isArray(tools) && tools.length > limits.chatMaxTools) {
    throw tooMany('tools', limits.chatMaxTools, 'tools', 'CHAT_MAX_TOOLS');
  }
}

/**
 * Validates a chat-completions body and returns the client's own object, so unknown fields are
 * carried through to the adapters (which decide what to forward) instead of being stripped.
 * Work is bounded: the body's shape was limited before parsing (JSON_MAX_*), the counts here,
 * and validation only ever touches the known fields (unknown ones are neither copied nor walked).
 */
@Injectable()
export class ChatRequestPipe implements PipeTransform<unknown, ChatCompletionRequest> {
  constructor(private readonly config: AppConfig) {}

  transform(value: unknown): ChatCompletionRequest {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new GatewayError(ErrorCode.InvalidRequest, 'The request body must be a JSON object.');
    }
    const body = value as Record<string, unknown>;
    checkSizes(body, this.config.limits);
    if (!passesChatRequestFastCheck(body)) {
      const errors = validateSync(toChatRequestDto(body), { forbidUnknownValues: false });
      if (errors.length > 0) throw validationErrorToGatewayError(errors);
    }
    checkChatElements(body);
    return value as ChatCompletionRequest;
  }
}
