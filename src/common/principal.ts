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

/**
 * Who is calling the admin API: resolved by AdminGuard. A platform admin (ADMIN_API_KEY or a
 * platform admin key) sees every tenant; a tenant admin only its own (`tenantId`).
 */
export type AdminRole = 'platform_admin' | 'tenant_admin';

export interface AdminPrincipal {
  role: AdminRole;
  /** The tenant a tenant admin manages; null for platform admins. */
  tenantId: string | null;
  /** Database key id of the admin key; null for ADMIN_API_KEY. */
  keyId: string | null;
  /** For the audit trail: `admin` for ADMIN_API_KEY, else the key's name or id. */
  name: string;
}

/** The tenant an admin caller is confined to: null for platform admins (no confinement). */
export function adminTenantScope(admin: AdminPrincipal | undefined): string | null {
  return admin?.role === 'tenant_admin' ? admin.tenantId : null;
}

/** Express request with what the gateway attaches to it. */
export interface GatewayRequestState {
  id: string;
  principal?: Principal;
  /** Set by AdminGuard on admin routes. */
  admin?: AdminPrincipal;
  /** process.hrtime.bigint() when the request arrived. */
  startedAt: bigint;
}
