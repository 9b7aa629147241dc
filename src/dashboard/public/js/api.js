// The admin API client. The key lives in this module's memory only: never in a URL, a cookie,
// localStorage or sessionStorage. Every call sends it as `Authorization: Bearer`, so the
// gateway applies exactly the checks it applies to curl, and a cross-site page cannot make the
// browser send it (no ambient credential: nothing for CSRF to ride on).

let adminKey = null;
/** A client key the user may give the Models page (GET /v1/models takes a client key). */
let clientKey = null;

export function setAdminKey(key) {
  adminKey = key;
}
export function setClientKey(key) {
  clientKey = key;
}
export function hasClientKey() {
  return clientKey !== null;
}

/** An API error: status, OpenAI error code and message. */
export class ApiError extends Error {
  constructor(status, code, message, param) {
    super(message);
    this.status = status;
    this.code = code;
    this.param = param ?? null;
  }
  /** The endpoint does not exist on this gateway (not built in, or the module is off). */
  get notAvailable() {
    return this.status === 404 && (this.code === 'not_found' || this.code === null);
  }
}

async function errorFrom(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  const error = body && body.error ? body.error : {};
  const apiError = new ApiError(
    response.status,
    error.code ?? null,
    error.message ?? `HTTP ${response.status}`,
    error.param,
  );
  apiError.body = body;
  return apiError;
}

/** Query string from an object, skipping empty values. */
export function query(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(name, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

/**
 * One call to the gateway. `as: 'client'` uses the client key (GET /v1/models); `as: 'text'`
 * returns the body as text (Prometheus metrics). Errors throw ApiError.
 */
export async function api(method, path, { body, as } = {}) {
  const key = as === 'client' ? clientKey : adminKey;
  const headers = { accept: as === 'text' ? 'text/plain' : 'application/json' };
  if (key) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'omit',
    cache: 'no-store',
    redirect: 'error',
  });
  if (!response.ok) throw await errorFrom(response);
  if (response.status === 204) return null;
  return as === 'text' ? response.text() : response.json();
}

export const get = (path, options) => api('GET', path, options);
