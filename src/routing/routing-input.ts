import { requestedMaxOutputTokens } from '../common/token-estimator';
import type { ChatCompletionRequest, ChatMessage } from '../common/openai/chat.types';
import type { IntentResult } from '../common/intent-labels';
import type { RoutingInput } from './routing.types';

/** Content part types that carry an image (OpenAI chat `image_url`; Responses-style `input_image`). */
const IMAGE_PART_TYPES = new Set(['image_url', 'input_image']);

function hasImage(message: ChatMessage): boolean {
  const content = message.content;
  if (!Array.isArray(content)) return false;
  for (const part of content) if (IMAGE_PART_TYPES.has(part.type)) return true;
  return false;
}

/**
 * Tools are needed when the request defines any (even with tool_choice "none": the definitions
 * are still sent upstream) or replays a tool conversation, which tool-less models reject.
 */
function needsTools(request: ChatCompletionRequest): boolean {
  if (Array.isArray(request.tools) && request.tools.length > 0) return true;
  const legacy = request.functions;
  if (Array.isArray(legacy) && legacy.length > 0) return true;
  for (const message of request.messages) {
    if (message.role === 'tool' || message.role === 'function') return true;
    if (Array.isArray(message.tool_calls) && message.tool_calls.length > 0) return true;
  }
  return false;
}

/**
 * Derives what the router needs from an OpenAI chat-completions request, once per request.
 * Pure; the pipeline supplies the intent, the prompt-token estimate and the budget state
 * (remaining / limit for the period, or null when no budget applies; whether the budget's own
 * soft limit is reached).
 */
export function buildRoutingInput(
  request: ChatCompletionRequest,
  intent: IntentResult,
  estimatedPromptTokens: number,
  budgetRemainingRatio: number | null,
  budgetSoftLimitReached = false,
): RoutingInput {
  const model = typeof request.model === 'string' ? request.model.trim() : '';
  const format = request.response_format?.type;
  return {
    requestedModel: model === '' ? undefined : model,
    intent,
    estimatedPromptTokens,
    requestedMaxOutputTokens: requestedMaxOutputTokens(request),
    needsVision: request.messages.some(hasImage),
    needsTools: needsTools(request),
    needsJsonMode: format === 'json_object' || format === 'json_schema',
    needsStreaming: request.stream === true,
    budgetRemainingRatio:
      budgetRemainingRatio === null || !Number.isFinite(budgetRemainingRatio)
        ? null
        : Math.min(1, Math.max(0, budgetRemainingRatio)),
    budgetSoftLimitReached: budgetRemainingRatio !== null && budgetSoftLimitReached,
  };
}
