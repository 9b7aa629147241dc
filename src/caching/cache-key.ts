import { createHash } from 'node:crypto';
import type { ChatCompletionRequest } from '../common/openai/chat.types';

/** Fields that do not change the answer and so are not part of the cache key. */
const IGNORED_FIELDS = new Set(['model', 'stream', 'stream_options', 'user', 'metadata', 'store']);

/**
 * Whether a request may be answered from (and stored in) the response cache.
 * - `x-modelmuxer-cache: false` (or no-store) never caches; `true` always may.
 * - By default only deterministic requests are cached (temperature 0, one choice): a cache must
 *   not turn a sampling request into the same answer every time.
 */
export function shouldUseCache(request: ChatCompletionRequest, directive: string | undefined): boolean {
  const value = directive?.trim().toLowerCase();
  if (value === 'false' || value === 'no-store' || value === 'off') return false;
  if ((request.n ?? 1) > 1) return false;
  if (value === 'true' || value === 'on') return true;
  return request.temperature === 0;
}

/**
 * The cache key: tenant (answers never cross tenants), the model actually routed to, and every
 * request field that can change the answer, hashed.
 */
export function responseCacheKey(tenantId: string, model: string, request: ChatCompletionRequest): string {
  const hash = createHash('sha256');
  hash.update(tenantId).update('\0').update(model).update('\0');
  for (const key of Object.keys(request).sort()) {
    if (IGNORED_FIELDS.has(key)) continue;
    const value = request[key];
    if (value === undefined) continue;
    hash.update(key).update('=').update(JSON.stringify(value)).update('\0');
  }
  return `chat:${hash.digest('base64url')}`;
}
