import { applyDecorators, SetMetadata } from '@nestjs/common';
import {
  ADMIN_ID_RESOURCE,
  ADMIN_TENANT_ACCESS,
  ROUTE_ACCESS,
  type AdminIdResource,
} from '../common/route-access';

export interface AdminAuthOptions {
  /** Tenant admins may call this route too, confined to their own tenant. Default: false. */
  tenantAdmins?: boolean;
  /**
   * What the route's `:id` names, for the tenant admin's ownership check: a tenant (the
   * default: it must be the admin's own) or an API key (it must belong to the admin's tenant).
   */
  idResource?: AdminIdResource;
}

/**
 * The admin API: an admin credential instead of a client key. Metadata only: the global guard
 * (ClientAuthGuard) reads it and runs AdminGuard, so an admin controller's module needs nothing
 * of the auth module.
 */
export function AdminAuth(options: AdminAuthOptions = {}): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(ROUTE_ACCESS, 'admin'),
    SetMetadata(ADMIN_TENANT_ACCESS, options.tenantAdmins === true),
    SetMetadata(ADMIN_ID_RESOURCE, options.idResource ?? 'tenant'),
  );
}
