import { ErrorCode } from '../../common/errors';
import type { ChatCompletion, FinishReason } from '../../common/openai/chat.types';
import { ProviderError } from '../provider.types';
import { malformedResponseError } from '../shared/provider-errors';
import type { OpenAICompatibleDialect } from './openai-compatible.dialect';

/**
 * Text of a content value that may be a string or (Mistral, some compatible servers) an array
 * of chunks such as `{type:"text", text}` and `{type:"thinking", ...}`: only text is kept.
 */
export function contentText(content: unknown): string | null {
  if (typeof content === 'string' || content === null || content === undefined)
    return (content as string | null) ?? null;
  if (!Array.isArray(content)) return null;
  let text = '';
  for (const part of content) {
    if (typeof part === 'string') text += part;
    else if (part && typeof part === 'object' && (part as { type?: unknown }).type === 'text') {
      const value = (part as { text?: unknown }).text;
      if (typeof value === 'string') text += value;
    }
  }
  return text;
}

/** Maps a dialect-specific finish_reason; throws when the upstream says generation failed. */
export function mapFinishReason(value: unknown, dialect: OpenAICompatibleDialect): FinishReason | null {
  if (value === null || value === undefined) return null;
  const mapped = dialect.finishReasons?.[value as string] ?? (value as FinishReason);
  if (mapped === 'error') {
    throw new ProviderError(
      dialect.provider,
      ErrorCode.ProviderUnavailable,
      `${dialect.provider} reported finish_reason "error"`,
      {
        retryable: true,
      },
    );
  }
  return mapped;
}

/**
 * Normalizes a parsed upstream chat.completion in place (it is a fresh object of ours):
 * content arrays become text, dialect finish reasons become OpenAI's, missing envelope
 * fields are filled. Everything else (usage details, system_fingerprint, ...) passes through.
 */
export function fromOpenAICompatibleResponse(
  body: unknown,
  dialect: OpenAICompatibleDialect,
  requestedModel: string,
  created: number,
): ChatCompletion {
  if (typeof body !== 'object' || body === null || !Array.isArray((body as { choices?: unknown }).choices)) {
    throw malformedResponseError(dialect.provider, 'no choices in the completion');
  }
  const completion = body as ChatCompletion;
  completion.object = 'chat.completion';
  if (typeof completion.id !== 'string') completion.id = `chatcmpl-${dialect.provider}-${created}`;
  if (typeof completion.created !== 'number') completion.created = created;
  if (typeof completion.model !== 'string') completion.model = requestedModel;
  for (const choice of completion.choices) {
    const message = choice.message ?? { role: 'assistant', content: null };
    choice.message = message;
    message.role = 'assistant';
    if (typeof message.content !== 'string') message.content = contentText(message.content);
    choice.finish_reason = mapFinishReason(choice.finish_reason, dialect);
  }
  return completion;
}
