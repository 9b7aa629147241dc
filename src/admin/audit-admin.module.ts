import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AuditAdminController } from './audit-admin.controller';

/** GET /admin/audit and /admin/tenants/:id/audit (every mode; platform and tenant admins). */
@Module({
  imports: [AuditModule],
  controllers: [AuditAdminController],
})
export class AuditAdminModule {}
