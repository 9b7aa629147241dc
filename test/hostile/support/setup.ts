import { createTenantWithKey } from '../../support/tenants';
import type { CorpusContext } from './corpus';

export const HOSTILE_ADMIN_KEY = 'mm-admin-key-hostile-0123456789abcdef';
export const HOSTILE_STATIC_KEY = 'mm-hostile-static-key-0123456789';

export type HostileMode = 'basic' | 'enhanced' | 'production';

/** Environment of a gateway under the hostile corpus (no rate limit: every case reaches validation). */
export function hostileEnv(mode: HostileMode): Record<string, string> {
  return {
    MODE: mode,
    LOG_LEVEL: 'error',
    ADMIN_API_KEY: HOSTILE_ADMIN_KEY,
    API_KEYS: HOSTILE_STATIC_KEY,
    RATE_LIMIT_RPM: '0',
    SHUTDOWN_TIMEOUT_MS: '2000',
    // Required in production mode (database keys are HMACs under it).
    API_KEY_HASH_SECRET: 'hostile-hash-secret-0123456789abcdef0123456789',
  };
}

/**
 * Creates what the corpus needs through the admin API: a tenant (and key) for the admin routes
 * to work on, and in production (database keys only) the client key's own tenant.
 */
export async function prepareCorpusContext(url: string, mode: HostileMode): Promise<CorpusContext> {
  const target = await createTenantWithKey(url, HOSTILE_ADMIN_KEY, 'hostile-admin-target');
  const apiKey =
    mode === 'production'
      ? (await createTenantWithKey(url, HOSTILE_ADMIN_KEY, 'hostile-client')).key
      : HOSTILE_STATIC_KEY;
  return {
    apiKey,
    adminKey: HOSTILE_ADMIN_KEY,
    tenantId: target.tenantId,
    keyId: target.keyId,
    policy: mode === 'production',
  };
}
