import type { Principal } from '../common/principal';

/**
 * Resolves database-issued keys (billing module). Must answer from an in-memory cache on the
 * hot path. Returns null for an unknown key; throws GatewayError for a revoked or expired key
 * (401) or a suspended tenant (403).
 */
export interface ApiKeyResolver {
  resolve(presentedKey: string): Promise<Principal | null>;
}

export const API_KEY_RESOLVER = Symbol('API_KEY_RESOLVER');
