import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import type { GatewayRequestState } from '../common/principal';
import { ErrorCode, GatewayError } from '../common/errors';
import { AppConfig } from '../config/app-config';
import { presentedApiKey, secretsEqual } from './api-key';
import { AuthFailureThrottle } from './auth-failure-throttle';
import { clientAddressKey } from './client-address';

/**
 * Guards the admin API with ADMIN_API_KEY. Without ADMIN_API_KEY the admin API does not exist:
 * every admin route answers 404, as an unknown route would. Wrong keys count against the
 * caller's address (AuthFailureThrottle), so the admin key cannot be brute-forced.
 */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(
    private readonly config: AppConfig,
    private readonly throttle: AuthFailureThrottle,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<Request & Partial<GatewayRequestState>>();
    const adminKey = this.config.adminApiKey;
    if (!adminKey) {
      throw new GatewayError(ErrorCode.NotFound, `Unknown request URL: ${request.method} ${request.path}.`);
    }
    const address = clientAddressKey(request.ip);
    this.throttle.assertAllowed(address);
    const key = presentedApiKey(request.headers);
    if (!key || !secretsEqual(key, adminKey)) {
      if (key) await this.throttle.recordFailure(address);
      throw new GatewayError(ErrorCode.InvalidApiKey, 'Invalid or missing admin API key.');
    }
    request.admin = { role: 'platform_admin', tenantId: null, keyId: null, name: 'admin' };
    return true;
  }
}
