import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import { INT8_AS_NUMBER } from './column-transformers';

/**
 * The audit trail (src/audit): an admin action (decision 'admin_change': who, what, on which
 * target, when; written in the same transaction as the change) or a gateway decision about a
 * request (written in batches by the audit recorder).
 */
@Entity({ name: 'audit_log' })
export class AuditLogEntity {
  @PrimaryColumn({
    type: 'bigint',
    generated: 'identity',
    generatedIdentity: 'ALWAYS',
    transformer: INT8_AS_NUMBER,
  })
  id!: number;
  @Column({ type: 'varchar', length: 100 }) actor!: string;
  @Column({ type: 'varchar', length: 64 }) action!: string;
  @Column({ name: 'target_type', type: 'varchar', length: 32 }) targetType!: string;
  @Column({ name: 'target_id', type: 'varchar', length: 64, nullable: true }) targetId!: string | null;
  @Column({ type: 'jsonb', nullable: true }) details!: Record<string, unknown> | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column({ type: 'varchar', length: 32, default: 'admin_change' }) decision!: string;
  @Column({ name: 'tenant_id', type: 'uuid', nullable: true }) tenantId!: string | null;
  @Column({ name: 'api_key_id', type: 'uuid', nullable: true }) apiKeyId!: string | null;
  @Column({ name: 'request_id', type: 'varchar', length: 128, nullable: true }) requestId!: string | null;
  @Column({ type: 'varchar', length: 64, nullable: true }) route!: string | null;
  @Column({ name: 'policy_id', type: 'varchar', length: 64, nullable: true }) policyId!: string | null;
  @Column({ name: 'policy_version', type: 'integer', nullable: true }) policyVersion!: number | null;
  @Column({ name: 'model_before', type: 'varchar', length: 100, nullable: true }) modelBefore!: string | null;
  @Column({ name: 'model_after', type: 'varchar', length: 100, nullable: true }) modelAfter!: string | null;
}
