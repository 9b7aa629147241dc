import { Module } from '@nestjs/common';
import { PolicyModule } from '../policy/policy.module';
import { PolicyAdminController } from './policy-admin.controller';

/** GET|PUT|DELETE /admin/tenants/:id/policy (ADMIN_API_KEY; production, where policy exists). */
@Module({
  imports: [PolicyModule],
  controllers: [PolicyAdminController],
})
export class PolicyAdminModule {}
