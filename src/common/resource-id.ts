import { ErrorCode, GatewayError } from './errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a well-formed id of a stored resource (a UUID, any case). */
export function isResourceId(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/**
 * The one answer for "no such tenant / API key / …": the same body whether the id is malformed,
 * unknown, or names another tenant's resource that the caller may not see (no existence leak).
 */
export function noSuchResource(what: string, id: unknown): GatewayError {
  const shown = isResourceId(id) ? id.toLowerCase() : String(id).slice(0, 64);
  return new GatewayError(ErrorCode.NotFound, `No ${what} with id "${shown}".`);
}
