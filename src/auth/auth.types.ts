import type { AdminPrincipal, Principal } from '../common/principal';

/**
 * Resolves database-issued keys (billing module). Must answer from an in-memory cache on the
 * hot path. Returns null for an unknown key; throws GatewayError for a revoked or expired key
 * (401), a suspended tenant (403), or a key of the other kind (403: an admin key on the API, a
 * client key on the admin API).
 */
export interface ApiKeyResolver {
  /** A client key → its principal. */
  resolve(presentedKey: string): Promise<Principal | null>;
  /** An admin key (platform admin key, or a tenant admin key) → the admin caller. */
  resolveAdmin(presentedKey: string): Promise<AdminPrincipal | null>;
  /** The tenant of a stored API key (any role); null when no key has this id. */
  tenantOfKey(keyId: string): Promise<string | null>;
}

export const API_KEY_RESOLVER = Symbol('API_KEY_RESOLVER');

/**
 * The same resolver, under the name AdminGuard injects: provided by AuthModule (from the module
 * passed to forRoot), where the global guard runs AdminGuard for every admin route.
 */
export const ADMIN_KEY_RESOLVER = Symbol('ADMIN_KEY_RESOLVER');
