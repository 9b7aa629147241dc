import { createHash } from 'node:crypto';
import type { ChatCompletionRequest, ChatMessage } from '../../common/openai/chat.types';

/**
 * Last user turns longer than this are matched exactly only: the questions a semantic cache
 * helps with are short, and this bounds the embedding and the guards' work per request.
 */
export const SEMANTIC_MAX_QUERY_CHARS = 4_000;

/** Fields that do not change the answer (as for the exact cache). */
const IGNORED_FIELDS = new Set(['model', 'stream', 'stream_options', 'user', 'metadata', 'store']);

/**
 * The semantic cache key, split in two:
 * - `context`: an exact hash of everything that must match for an answer to be reusable — the
 *   namespace (the tenant, or a shared namespace it opted into), the model the request was
 *   routed to, the system prompt and every earlier turn (roles, names, text, tool calls and
 *   results), tools, tool_choice, response_format and every sampling parameter (temperature,
 *   top_p, max_tokens, seed, stop, penalties, logit_bias, n, ...): the request minus the fields
 *   that do not change the answer and minus the last user turn's text;
 * - `query`: the last user turn's text, the only part compared by meaning.
 * Two requests can only ever share an answer when their contexts are byte-identical, so a
 * 20-turn conversation never hits an answer given in another conversation.
 */
export interface SemanticKey {
  context: string;
  query: string;
}

/** The text of a message whose content is text only (string or text parts), else null. */
function textOnly(message: ChatMessage): string | null {
  if (typeof message.content === 'string') return message.content;
  if (!Array.isArray(message.content)) return null;
  let text = '';
  for (const part of message.content) {
    if (part.type !== 'text' || typeof (part as { text?: unknown }).text !== 'string') return null;
    text += (text ? '\n' : '') + (part as { text: string }).text;
  }
  return text;
}

/**
 * The split key, or null when the request cannot be matched by meaning: its last message is not
 * a plain-text user turn (images, audio, tool results: only the exact cache applies), or the
 * text is empty.
 */
export function semanticKey(
  namespace: string,
  model: string,
  request: ChatCompletionRequest,
): SemanticKey | null {
  const messages = request.messages;
  const last = messages[messages.length - 1];
  if (!last || last.role !== 'user') return null;
  const query = textOnly(last);
  if (query === null || query.trim() === '' || query.length > SEMANTIC_MAX_QUERY_CHARS) return null;
  const hash = createHash('sha256');
  hash.update('semantic-v1\0').update(namespace).update('\0').update(model).update('\0');
  for (const key of Object.keys(request).sort()) {
    if (IGNORED_FIELDS.has(key)) continue;
    const value = request[key];
    if (value === undefined) continue;
    if (key === 'messages') {
      // Every earlier turn exactly; of the last one everything but its text.
      const { content: _content, ...lastRest } = last;
      hash
        .update('messages=')
        .update(JSON.stringify(messages.slice(0, -1)))
        .update('\0');
      hash.update('last=').update(JSON.stringify(lastRest)).update('\0');
      continue;
    }
    hash.update(key).update('=').update(JSON.stringify(value)).update('\0');
  }
  return { context: hash.digest('base64url'), query };
}
