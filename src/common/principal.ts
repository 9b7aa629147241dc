/** Who is calling: resolved from the API key by ApiKeyGuard and attached to the request. */
export interface Principal {
  tenantId: string;
  tenantName: string;
  /** Database key id; null for the static API_KEYS. */
  keyId: string | null;
  source: 'static' | 'database';
  /** Requests per minute for this key (tenant override or the global default); 0 = unlimited. */
  rateLimitPerMinute: number;
  /**
   * Stable, secret-free identity of the key for per-key rate limits: the key id for database
   * keys, a digest prefix for static keys. Absent → keyId, then tenantId.
   */
  rateLimitKey?: string;
}

/** The `default` tenant (seeded by the initial migration) owns the static API_KEYS. */
export const DEFAULT_TENANT_ID = '00000000-0000-0000-0000-000000000000';
export const DEFAULT_TENANT_NAME = 'default';

/** Express request with what the gateway attaches to it. */
export interface GatewayRequestState {
  id: string;
  principal?: Principal;
  /** process.hrtime.bigint() when the request arrived. */
  startedAt: bigint;
}
