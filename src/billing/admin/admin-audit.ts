import type { EntityManager } from 'typeorm';
import type { AdminRole } from '../../common/principal';

/** Who performed an admin action: the admin caller, and where the request came from. */
export interface AdminActor {
  /** As the audit log's `actor` column shows it: `admin` (ADMIN_API_KEY) or `<role>:<key id>`. */
  name: string;
  role: AdminRole;
  /** The admin key (null for ADMIN_API_KEY) and its name. */
  keyId: string | null;
  keyName: string | null;
  /** The tenant a tenant admin manages; null for platform admins. */
  tenantId: string | null;
  ip: string | null;
  requestId: string | null;
}

/** The caller's identity as audit details carry it (beside the actor column). */
export function actorDetails(actor: AdminActor): Record<string, unknown> {
  return {
    ip: actor.ip,
    request_id: actor.requestId,
    actor_role: actor.role,
    actor_key_id: actor.keyId,
    actor_key_name: actor.keyName,
    actor_tenant_id: actor.tenantId,
  };
}

/** One audit_log row, in the caller's transaction (the change and its record commit together). */
export async function writeAdminAudit(
  manager: EntityManager,
  actor: AdminActor,
  action: string,
  target: { type: string; id: string },
  details: Record<string, unknown>,
): Promise<void> {
  await manager.query(
    `INSERT INTO audit_log (actor, action, target_type, target_id, details) VALUES ($1, $2, $3, $4, $5::jsonb)`,
    [actor.name, action, target.type, target.id, JSON.stringify({ ...details, ...actorDetails(actor) })],
  );
}
