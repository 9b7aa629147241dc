import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { GatewayRequestState } from '../common/principal';
import type { ServingState } from '../common/serving-state';
import type { InFlightRequests } from './graceful-shutdown';

/** Client-supplied request ids are accepted when they look like ids (no header injection, bounded). */
const CLIENT_REQUEST_ID = /^[\w.:@/+=-]{1,128}$/;

/**
 * Gives every request an id (the client's `x-request-id` when sane, else a UUID) and an arrival
 * time, echoes the id on the response (errors and streams included), and counts it in flight
 * for graceful shutdown. While the process drains, responses ask the client to close its
 * connection, so keep-alive clients reconnect (through the balancer) to another replica.
 */
export function requestContextMiddleware(inFlight: InFlightRequests, serving: ServingState) {
  return (request: Request, response: Response, next: NextFunction): void => {
    const state = request as Request & GatewayRequestState;
    state.startedAt = process.hrtime.bigint();
    const supplied = request.headers['x-request-id'];
    state.id = typeof supplied === 'string' && CLIENT_REQUEST_ID.test(supplied) ? supplied : randomUUID();
    response.setHeader('x-request-id', state.id);
    if (serving.draining) response.setHeader('connection', 'close');
    inFlight.started();
    response.once('close', () => inFlight.finished());
    next();
  };
}
