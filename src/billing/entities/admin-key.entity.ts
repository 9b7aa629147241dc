import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { ApiKeyStatus } from './api-key.entity';

/** A platform admin key (tenant-less). Only the HMAC digest is stored, as for client keys. */
@Entity({ name: 'admin_keys' })
export class AdminKeyEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'varchar', length: 200 }) name!: string;
  @Column({ name: 'key_hash', type: 'char', length: 64 }) keyHash!: string;
  @Column({ type: 'varchar', length: 32 }) prefix!: string;
  @Column({ type: 'varchar', length: 16, default: 'active' }) status!: ApiKeyStatus;
  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true }) expiresAt!: Date | null;
  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true }) lastUsedAt!: Date | null;
  /** The admin who created it (as the audit log names admins). */
  @Column({ name: 'created_by', type: 'varchar', length: 100 }) createdBy!: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true }) revokedAt!: Date | null;
}
