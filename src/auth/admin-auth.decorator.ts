import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import { ADMIN_TENANT_ACCESS, ROUTE_ACCESS } from '../common/route-access';
import { AdminGuard } from './admin.guard';

export interface AdminAuthOptions {
  /** Tenant admins may call this route too, confined to their own tenant. Default: false. */
  tenantAdmins?: boolean;
}

/** The admin API: an admin credential instead of a client key (the global client guard steps aside). */
export function AdminAuth(options: AdminAuthOptions = {}): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(ROUTE_ACCESS, 'admin'),
    SetMetadata(ADMIN_TENANT_ACCESS, options.tenantAdmins === true),
    UseGuards(AdminGuard),
  );
}
