import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { GatewayRequestState, Principal } from '../common/principal';

/** The authenticated caller (set by ApiKeyGuard). */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal => {
    const request = context.switchToHttp().getRequest<GatewayRequestState>();
    if (!request.principal) throw new Error('CurrentPrincipal used on a route without ApiKeyGuard');
    return request.principal;
  },
);
