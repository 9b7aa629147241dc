import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import { ROUTE_ACCESS } from '../common/route-access';
import { AdminGuard } from './admin.guard';

/** The admin API: ADMIN_API_KEY instead of a client key (the global client guard steps aside). */
export function AdminAuth(): MethodDecorator & ClassDecorator {
  return applyDecorators(SetMetadata(ROUTE_ACCESS, 'admin'), UseGuards(AdminGuard));
}
