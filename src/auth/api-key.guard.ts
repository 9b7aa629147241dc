import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { ErrorCode, GatewayError } from '../common/errors';
import { AppConfig } from '../config/app-config';
import { presentedApiKey, sha256 } from './api-key';
import { AuthFailureThrottle } from './auth-failure-throttle';
import { clientAddressKey } from './client-address';
import { API_KEY_RESOLVER, type ApiKeyResolver } from './auth.types';
import {
  DEFAULT_TENANT_ID,
  DEFAULT_TENANT_NAME,
  type GatewayRequestState,
  type Principal,
} from '../common/principal';

/**
 * Authenticates client API keys and resolves the tenant. Static keys (API_KEYS, basic and
 * enhanced modes) are matched by their SHA-256 digest, so the comparison leaks nothing about
 * the key; database keys are resolved by the billing module's cached resolver. Unknown keys
 * count against the caller's address (AuthFailureThrottle); a throttled address is refused
 * before its key is even looked at.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  /** Static key digest → its principal (one frozen object per key, so limits are per key). */
  private readonly staticPrincipals: Map<string, Principal>;

  constructor(
    config: AppConfig,
    private readonly throttle: AuthFailureThrottle,
    @Inject(API_KEY_RESOLVER) private readonly resolver: ApiKeyResolver,
  ) {
    const keys = config.features.staticApiKeys ? config.apiKeys : [];
    this.staticPrincipals = new Map(
      keys.map((key) => {
        const digest = sha256(key).toString('hex');
        const principal: Principal = Object.freeze({
          tenantId: DEFAULT_TENANT_ID,
          tenantName: DEFAULT_TENANT_NAME,
          keyId: null,
          source: 'static',
          rateLimitPerMinute: config.billing.rateLimitPerMinute,
          rateLimitKey: `static:${digest.slice(0, 16)}`,
        });
        return [digest, principal];
      }),
    );
  }

  /** True for one of the static API_KEYS (client keys of the default tenant). */
  isStaticKey(key: string): boolean {
    return this.staticPrincipals.size > 0 && this.staticPrincipals.has(sha256(key).toString('hex'));
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<Request & GatewayRequestState>();
    const address = clientAddressKey(request.ip);
    this.throttle.assertAllowed(address);
    const key = presentedApiKey(request.headers);
    if (!key) {
      throw new GatewayError(
        ErrorCode.InvalidApiKey,
        'Missing API key: send it as "Authorization: Bearer <key>" (or the x-api-key header).',
      );
    }
    const staticPrincipal =
      this.staticPrincipals.size > 0 ? this.staticPrincipals.get(sha256(key).toString('hex')) : undefined;
    if (staticPrincipal) {
      request.principal = staticPrincipal;
      return true;
    }
    // A revoked or expired key (the resolver throws 401) or a suspended tenant (403) is a known
    // key, not a guess: only unknown keys count as failures.
    const principal = await this.resolver.resolve(key);
    if (!principal) {
      await this.throttle.recordFailure(address);
      throw new GatewayError(ErrorCode.InvalidApiKey, `Incorrect API key provided: ${maskKey(key)}.`);
    }
    request.principal = principal;
    return true;
  }
}

/** Shows enough of a key to recognise it, never enough to use it. */
export function maskKey(key: string): string {
  if (key.length <= 8) return '****';
  return `${key.slice(0, Math.min(6, key.length - 4))}****${key.slice(-4)}`;
}
