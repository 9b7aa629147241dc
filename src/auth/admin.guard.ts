import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import type { AdminPrincipal, GatewayRequestState } from '../common/principal';
import { ErrorCode, GatewayError } from '../common/errors';
import { isResourceId, noSuchResource } from '../common/resource-id';
import { ADMIN_ID_RESOURCE, ADMIN_TENANT_ACCESS, type AdminIdResource } from '../common/route-access';
import { AppConfig } from '../config/app-config';
import { presentedApiKey, secretsEqual } from './api-key';
import { ApiKeyGuard } from './api-key.guard';
import { ADMIN_KEY_RESOLVER, type ApiKeyResolver } from './auth.types';
import { AuthFailureThrottle } from './auth-failure-throttle';
import { clientAddressKey } from './client-address';

type AdminRequest = Request & Partial<GatewayRequestState>;

/** ADMIN_API_KEY's caller: the root platform admin (named `admin` in the audit log). */
const ROOT_ADMIN: AdminPrincipal = Object.freeze({
  role: 'platform_admin' as const,
  tenantId: null,
  keyId: null,
  name: 'admin',
});

/**
 * Route params a tenant admin's request may carry, and what each names. `within`: the id of a
 * resource the handler looks up inside the route's tenant (`:id`, checked as the tenant), so it
 * cannot name another tenant's resource; allowed only beside a tenant `:id`.
 */
const CHECKED_PARAMS: Record<string, AdminIdResource | 'declared' | 'within'> = {
  id: 'declared',
  tenantId: 'tenant',
  tenant_id: 'tenant',
  experimentId: 'within',
};

function unknownRoute(request: AdminRequest): GatewayError {
  return new GatewayError(ErrorCode.NotFound, `Unknown request URL: ${request.method} ${request.path}.`);
}

function platformOnly(): GatewayError {
  return new GatewayError(
    ErrorCode.PermissionDenied,
    'Only platform admins may call this admin route; a tenant admin key cannot.',
  );
}

/**
 * Guards the admin API. Credentials: ADMIN_API_KEY (the root platform admin), platform admin
 * keys, and tenant admin keys (resolved and cached like client keys: revoked or expired → 401).
 * A client key is refused with 403. Wrong keys count against the caller's address
 * (AuthFailureThrottle). Without ADMIN_API_KEY, the admin API shows itself only to an active
 * admin key: everyone else gets 404, as an unknown route.
 *
 * Tenant admins reach only routes marked `AdminAuth({ tenantAdmins: true })` (others: 403), and
 * only their own tenant: a route's tenant id, or the tenant of its API key id, must be theirs —
 * otherwise the answer is the 404 a non-existent id gets, so no other tenant's existence leaks.
 */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(
    private readonly config: AppConfig,
    private readonly throttle: AuthFailureThrottle,
    private readonly reflector: Reflector,
    private readonly clientKeys: ApiKeyGuard,
    @Inject(ADMIN_KEY_RESOLVER) private readonly resolver: ApiKeyResolver,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AdminRequest>();
    // Already decided for this request (e.g. a second check of the same request): once decides.
    if (request.admin) return true;
    const admin = await this.authenticate(request);
    if (admin.role === 'tenant_admin') await this.confine(admin, context, request);
    request.admin = admin;
    return true;
  }

  private async authenticate(request: AdminRequest): Promise<AdminPrincipal> {
    const enabled = this.config.adminApiKey !== null;
    const address = clientAddressKey(request.ip);
    this.throttle.assertAllowed(address);
    const key = presentedApiKey(request.headers);
    if (!key) throw enabled ? invalidAdminKey() : unknownRoute(request);
    if (this.config.adminApiKey !== null && secretsEqual(key, this.config.adminApiKey)) return ROOT_ADMIN;
    let admin: AdminPrincipal | null;
    try {
      if (this.clientKeys.isStaticKey(key)) throw clientKeyRefused();
      admin = await this.resolver.resolveAdmin(key);
    } catch (error) {
      const unavailable = error instanceof GatewayError && error.code === ErrorCode.ServiceUnavailable;
      throw enabled || unavailable ? error : unknownRoute(request);
    }
    if (!admin) {
      await this.throttle.recordFailure(address);
      throw enabled ? invalidAdminKey() : unknownRoute(request);
    }
    return admin;
  }

  /** A tenant admin: the route must be open to tenant admins, and its ids must be of its tenant. */
  private async confine(
    admin: AdminPrincipal,
    context: ExecutionContext,
    request: AdminRequest,
  ): Promise<void> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(ADMIN_TENANT_ACCESS, targets) !== true)
      throw platformOnly();
    const declared = this.reflector.getAllAndOverride<AdminIdResource | undefined>(
      ADMIN_ID_RESOURCE,
      targets,
    );
    for (const [param, value] of Object.entries(request.params ?? {})) {
      const checked = CHECKED_PARAMS[param];
      // A route param nobody taught this guard to check: refused rather than trusted.
      if (checked === undefined) throw platformOnly();
      if (checked === 'within') {
        if ((declared ?? 'tenant') !== 'tenant' || request.params.id === undefined) throw platformOnly();
        continue;
      }
      const resource = checked === 'declared' ? (declared ?? 'tenant') : checked;
      if ((await this.ownerOf(resource, value)) !== admin.tenantId) {
        throw noSuchResource(resource === 'api_key' ? 'API key' : 'tenant', value);
      }
    }
  }

  private async ownerOf(resource: AdminIdResource, id: unknown): Promise<string | null> {
    if (!isResourceId(id)) return null;
    return resource === 'api_key' ? this.resolver.tenantOfKey(id) : id.toLowerCase();
  }
}

function invalidAdminKey(): GatewayError {
  return new GatewayError(ErrorCode.InvalidApiKey, 'Invalid or missing admin API key.');
}

function clientKeyRefused(): GatewayError {
  return new GatewayError(
    ErrorCode.PermissionDenied,
    'This API key is a client key: it may call the model API only, not the admin API.',
  );
}
