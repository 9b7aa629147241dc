import { SetMetadata } from '@nestjs/common';

/**
 * Who may call a route. Every route is `client` (an API key, checked by the global
 * ClientAuthGuard of the auth module) unless it says otherwise:
 * - `public`: no credential at the gateway level (health probes; the Prometheus endpoint, which
 *   checks METRICS_TOKEN itself when one is set);
 * - `admin`: an admin credential (ADMIN_API_KEY, a platform admin key, or — on routes marked
 *   for them — a tenant admin key), checked by AdminGuard (see AdminAuth() in auth/).
 * Declared here, in the floor layer, so that any module's controller can say it.
 */
export type RouteAccess = 'client' | 'admin' | 'public';

export const ROUTE_ACCESS = 'modelmuxer:route-access';

/** Opts a route (or a whole controller) out of client authentication. Use sparingly. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(ROUTE_ACCESS, 'public');

/**
 * Metadata set by `AdminAuth({ tenantAdmins: true })`: tenant admins may call the route too,
 * confined to their own tenant (the route reads `adminTenantScope`, or its `:id` is checked).
 * Without it an admin route is for platform admins only.
 */
export const ADMIN_TENANT_ACCESS = 'modelmuxer:admin-tenant-access';

/** What a tenant-admin route's `:id` names (metadata set by AdminAuth; default `tenant`). */
export type AdminIdResource = 'tenant' | 'api_key';

export const ADMIN_ID_RESOURCE = 'modelmuxer:admin-id-resource';
