import type { Request, Response } from 'express';
import type { GatewayRequestState } from '../common/principal';
import type { ChatCallContext } from './pipeline/chat-call';

export type GatewayRequest = Request & GatewayRequestState;

/** What the pipeline needs to know about an HTTP call (shared by the chat and messages routes). */
export function callContext(request: GatewayRequest, response: Response): ChatCallContext {
  const abort = new AbortController();
  // 'close' before the response finished means the client went away: abort the upstream call.
  response.once('close', () => {
    if (!response.writableFinished) abort.abort();
  });
  const directive = request.headers['x-modelmuxer-cache'];
  return {
    requestId: request.id,
    principal: request.principal!,
    startedAt: request.startedAt,
    signal: abort.signal,
    cacheDirective: typeof directive === 'string' ? directive : undefined,
    cacheControl:
      typeof request.headers['cache-control'] === 'string' ? request.headers['cache-control'] : undefined,
  };
}
