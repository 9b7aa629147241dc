import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { ErrorCode, GatewayError } from '../common/errors';
import { AppConfig } from '../config/app-config';
import { presentedApiKey, secretsEqual } from './api-key';

/**
 * Guards the admin API with ADMIN_API_KEY. Without ADMIN_API_KEY the admin API does not exist:
 * every admin route answers 404, as an unknown route would.
 */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    const adminKey = this.config.adminApiKey;
    if (!adminKey) {
      throw new GatewayError(ErrorCode.NotFound, `Unknown request URL: ${request.method} ${request.path}.`);
    }
    const key = presentedApiKey(request.headers);
    if (!key || !secretsEqual(key, adminKey)) {
      throw new GatewayError(ErrorCode.InvalidApiKey, 'Invalid or missing admin API key.');
    }
    return true;
  }
}
