import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type ApiKeyStatus = 'active' | 'revoked';
/** `client`: calls the API; `tenant_admin`: manages its own tenant through the admin API (nothing else). */
export type ApiKeyRole = 'client' | 'tenant_admin';
export const API_KEY_ROLES: readonly ApiKeyRole[] = ['client', 'tenant_admin'];

/** A tenant's API key (a client key, or a tenant admin key). Only the HMAC digest of the key is stored, never the key. */
@Entity({ name: 'api_keys' })
export class ApiKeyEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'tenant_id', type: 'uuid' }) tenantId!: string;
  @Column({ type: 'varchar', length: 200 }) name!: string;
  @Column({ name: 'key_hash', type: 'char', length: 64 }) keyHash!: string;
  @Column({ type: 'varchar', length: 32 }) prefix!: string;
  @Column({ type: 'varchar', length: 16, default: 'active' }) status!: ApiKeyStatus;
  @Column({ type: 'varchar', length: 16, default: 'client' }) role!: ApiKeyRole;
  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true }) expiresAt!: Date | null;
  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true }) lastUsedAt!: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true }) revokedAt!: Date | null;
}
