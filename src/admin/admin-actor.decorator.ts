import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { AdminPrincipal, GatewayRequestState } from '../common/principal';
import type { AdminActor } from '../billing/admin/admin-audit';

type AdminRequest = Request & Partial<GatewayRequestState>;

function adminOf(context: ExecutionContext): AdminPrincipal {
  const request = context.switchToHttp().getRequest<AdminRequest>();
  if (!request.admin) throw new Error('an admin decorator used on a route without AdminGuard');
  return request.admin;
}

/** The admin caller as the audit log names it: `admin` for ADMIN_API_KEY, else `<role>:<key id>`. */
export function actorOf(admin: AdminPrincipal, request: AdminRequest): AdminActor {
  return {
    name: admin.keyId === null ? admin.name : `${admin.role}:${admin.keyId}`,
    role: admin.role,
    keyId: admin.keyId,
    keyName: admin.keyId === null ? null : admin.name,
    tenantId: admin.tenantId,
    ip: request.ip ?? null,
    requestId: typeof request.id === 'string' ? request.id : null,
  };
}

/** The admin caller, for the audit log. */
export const Actor = createParamDecorator((_data: unknown, context: ExecutionContext): AdminActor =>
  actorOf(adminOf(context), context.switchToHttp().getRequest<AdminRequest>()),
);

/** The admin caller (set by AdminGuard): its role and, for a tenant admin, its tenant. */
export const CurrentAdmin = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AdminPrincipal => adminOf(context),
);
