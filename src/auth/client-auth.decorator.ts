import { applyDecorators, UseGuards } from '@nestjs/common';
import { ApiKeyGuard } from './api-key.guard';
import { ClientRateLimitGuard } from './client-rate-limit.guard';

/**
 * Client authentication for the OpenAI-compatible API: API key → tenant (ApiKeyGuard), then the
 * per-key rate limit (ClientRateLimitGuard), in that order, so limits are per key and an
 * unauthenticated caller never consumes anyone's quota.
 */
export function ClientAuth(): MethodDecorator & ClassDecorator {
  return applyDecorators(UseGuards(ApiKeyGuard, ClientRateLimitGuard));
}
