import { applyDecorators, UseGuards } from '@nestjs/common';
import { ApiKeyGuard } from './api-key.guard';

/**
 * Client authentication for the OpenAI-compatible API: API key → tenant (ApiKeyGuard).
 * Rate limiting per key is added here too, after authentication, so limits are per key.
 */
export function ClientAuth(): MethodDecorator & ClassDecorator {
  return applyDecorators(UseGuards(ApiKeyGuard));
}
