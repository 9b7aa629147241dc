import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import { INT8_AS_NUMBER } from './column-transformers';

/** One admin action: who, what, on which target, when. Written in the same transaction as the change. */
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
}
