import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { ErrorCode, GatewayError } from '../common/errors';
import { AppConfig } from '../config/app-config';
import type { MetricsAccess } from '../telemetry/metrics.controller';
import { presentedApiKey, secretsEqual } from './api-key';
import { AuthFailureThrottle } from './auth-failure-throttle';
import { clientAddressKey } from './client-address';

/**
 * Operator endpoints: `/metrics/prometheus` needs METRICS_TOKEN when it is set (public
 * otherwise), and `/health/ready` shows its check details only to a holder of METRICS_TOKEN or
 * ADMIN_API_KEY (everyone else gets the status alone). Tokens go in `Authorization: Bearer …`
 * (or x-api-key); a wrong one is a 401 counted by the authentication-failure throttle.
 */
@Injectable()
export class OperatorAccess implements MetricsAccess {
  constructor(
    private readonly config: AppConfig,
    private readonly throttle: AuthFailureThrottle,
  ) {}

  async authorizeMetrics(request: Request): Promise<void> {
    const token = this.config.auth.metricsToken;
    if (token === null) return;
    if (await this.verify(request, [token])) return;
    throw new GatewayError(
      ErrorCode.InvalidApiKey,
      'Missing metrics token: send it as "Authorization: Bearer <METRICS_TOKEN>".',
    );
  }

  /** True for a holder of METRICS_TOKEN or ADMIN_API_KEY; false when no credential was sent. */
  async mayReadHealthDetails(request: Request): Promise<boolean> {
    const accepted = [this.config.auth.metricsToken, this.config.adminApiKey].filter(
      (secret): secret is string => secret !== null,
    );
    return accepted.length > 0 && this.verify(request, accepted);
  }

  /** True for a valid credential, false for none; throws 401 (counted) for a wrong one, 429 when throttled. */
  private async verify(request: Request, accepted: string[]): Promise<boolean> {
    const presented = presentedApiKey(request.headers);
    if (presented === null) return false;
    const address = clientAddressKey(request.ip);
    this.throttle.assertAllowed(address);
    let valid = false;
    for (const secret of accepted) valid = secretsEqual(presented, secret) || valid;
    if (valid) return true;
    await this.throttle.recordFailure(address);
    throw new GatewayError(ErrorCode.InvalidApiKey, 'Invalid token.');
  }
}
