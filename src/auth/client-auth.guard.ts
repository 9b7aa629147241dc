import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ROUTE_ACCESS, type RouteAccess } from '../common/route-access';
import { AdminGuard } from './admin.guard';
import { ApiKeyGuard } from './api-key.guard';
import { ClientRateLimitGuard } from './client-rate-limit.guard';

/** The access a route declared (handler over controller); undeclared means `client`. */
export function routeAccess(reflector: Reflector, context: ExecutionContext): RouteAccess {
  return (
    reflector.getAllAndOverride<RouteAccess | undefined>(ROUTE_ACCESS, [
      context.getHandler(),
      context.getClass(),
    ]) ?? 'client'
  );
}

/**
 * Secure by default: registered as the global APP_GUARD, so every route needs a client API key
 * unless it is marked @Public() (no credential) or @AdminAuth() (an admin credential, checked
 * here by AdminGuard). Client routes go through the API key (tenant) and then the per-key rate
 * limit, in that order, so limits are per key and an unauthenticated caller never consumes
 * anyone's quota.
 */
@Injectable()
export class ClientAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeyGuard,
    private readonly rateLimit: ClientRateLimitGuard,
    private readonly admins: AdminGuard,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    switch (routeAccess(this.reflector, context)) {
      case 'public':
        return true;
      case 'admin':
        return this.admins.canActivate(context);
      case 'client':
        return (await this.apiKeys.canActivate(context)) && this.rateLimit.canActivate(context);
    }
  }
}
