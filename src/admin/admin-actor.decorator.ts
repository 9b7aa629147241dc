import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { GatewayRequestState } from '../common/principal';
import type { AdminActor } from '../billing/admin/admin.service';

/** The admin caller, for the audit log. */
export const Actor = createParamDecorator((_data: unknown, context: ExecutionContext): AdminActor => {
  const request = context.switchToHttp().getRequest<Request & Partial<GatewayRequestState>>();
  return {
    name: 'admin',
    ip: request.ip ?? null,
    requestId: typeof request.id === 'string' ? request.id : null,
  };
});
