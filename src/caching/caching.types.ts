import type { ChatCompletion } from '../chat/chat.types';

/** A cached upstream answer, with what it cost originally (the saving a hit records). */
export interface CachedCompletion {
  completion: ChatCompletion;
  provider: string;
  model: string;
  costNano: number;
}

/** Response cache used by the chat pipeline (enhanced and production modes). */
export interface ResponseCache {
  get(key: string): Promise<CachedCompletion | null>;
  /** Never throws; may complete asynchronously. */
  set(key: string, entry: CachedCompletion): void;
}

export const RESPONSE_CACHE = Symbol('RESPONSE_CACHE');

/** DI token of the chat pipeline's cache step (ChatCacheService). */
export const CHAT_CACHE = Symbol('CHAT_CACHE');
