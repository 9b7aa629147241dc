import { Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AUDIT_RECORDER } from './audit.types';
import { AuditQueryService } from './audit-query.service';
import { AuditRecorderService } from './audit-recorder.service';
import { AuditRetentionService } from './audit-retention.service';
import { AUDIT_WRITER, SqlAuditWriter } from './audit-writer';

/**
 * The per-request audit trail (every mode): AUDIT_RECORDER (batched writes, used by the chat
 * pipeline, the embeddings API and the rate-limit guard), the query behind GET /admin/audit and
 * the retention job. Needs DatabaseModule and AppConfigModule (global infrastructure). It sits
 * below auth in the layers, so the guards can record refusals too.
 */
@Module({
  providers: [
    AuditRecorderService,
    AuditQueryService,
    AuditRetentionService,
    {
      provide: AUDIT_WRITER,
      inject: [DataSource],
      useFactory: (dataSource: DataSource) => new SqlAuditWriter(dataSource),
    },
    { provide: AUDIT_RECORDER, useExisting: AuditRecorderService },
  ],
  exports: [AUDIT_RECORDER, AuditRecorderService, AuditQueryService, AuditRetentionService],
})
export class AuditModule {}
