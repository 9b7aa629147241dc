import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import type { ChatCompletionRequest, ContentPart } from '../chat/chat.types';

/**
 * Prompt-token estimates for routing and budget reservation, before any provider is called.
 * Provider-reported usage stays authoritative for billing; this only has to be close and
 * cheap. Tokenizer: gpt-tokenizer's o200k_base (the GPT-4o/4.1/o-series encoding), a
 * reasonable proxy for the other providers' tokenizers (within ~10–15 % on English text).
 *
 * Cost bound: BPE is linear in text length (~0.1 µs per character here), so text longer than
 * SAMPLE_CHARS is estimated from an exact count of a prefix sample, scaled up with a small
 * safety margin (reservations should err high; settlement uses the real usage).
 */
const SAMPLE_CHARS = 4_000;
const EXTRAPOLATION_MARGIN = 1.05;
/** Per-message framing tokens in the ChatML format, and the assistant priming. */
const TOKENS_PER_MESSAGE = 3;
const TOKENS_REPLY_PRIMING = 3;
/** OpenAI's documented cost of a low-detail image, and a typical 1024×1024 high-detail one. */
const IMAGE_TOKENS_LOW = 85;
const IMAGE_TOKENS_HIGH = 765;

export function estimateTextTokens(text: string): number {
  if (text.length === 0) return 0;
  if (text.length <= SAMPLE_CHARS) return countTokens(text);
  const sampleTokens = countTokens(text.slice(0, SAMPLE_CHARS));
  return Math.ceil(((sampleTokens * text.length) / SAMPLE_CHARS) * EXTRAPOLATION_MARGIN);
}

function partTokens(part: ContentPart): number {
  if (part.type === 'text' && typeof part.text === 'string') return estimateTextTokens(part.text);
  if (part.type === 'image_url') {
    const detail = (part as { image_url?: { detail?: string } }).image_url?.detail;
    return detail === 'low' ? IMAGE_TOKENS_LOW : IMAGE_TOKENS_HIGH;
  }
  return 0;
}

export function estimatePromptTokens(request: ChatCompletionRequest): number {
  let total = TOKENS_REPLY_PRIMING;
  for (const message of request.messages) {
    total += TOKENS_PER_MESSAGE;
    const content = message.content;
    if (typeof content === 'string') total += estimateTextTokens(content);
    else if (Array.isArray(content)) for (const part of content) total += partTokens(part);
    if (message.tool_calls) {
      for (const call of message.tool_calls) {
        total += estimateTextTokens(call.function.name) + estimateTextTokens(call.function.arguments ?? '');
      }
    }
  }
  if (request.tools && request.tools.length > 0) total += estimateTextTokens(JSON.stringify(request.tools));
  if (request.response_format?.json_schema?.schema) {
    total += estimateTextTokens(JSON.stringify(request.response_format.json_schema.schema));
  }
  return total;
}

/** max_completion_tokens wins over the legacy max_tokens; null when the client set neither. */
export function requestedMaxOutputTokens(request: ChatCompletionRequest): number | null {
  const value = request.max_completion_tokens ?? request.max_tokens;
  return typeof value === 'number' && value > 0 ? value : null;
}
