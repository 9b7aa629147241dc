import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ErrorCode, GatewayError } from '../../common/errors';
import { noSuchResource } from '../../common/resource-id';
import { AdminKeyEntity } from '../entities';
import { BillingEventsService } from '../events/billing-events.service';
import { generateApiKey } from '../keys/api-key-secret';
import { DatabaseApiKeyResolver } from '../keys/api-key-resolver.service';
import { writeAdminAudit, type AdminActor } from './admin-audit';
import type { CreateAdminKeyDto } from './admin.dto';

/**
 * Platform admin keys: tenant-less admin credentials with a name and an optional expiry, made
 * and stored like client keys (`mm-` + 256 random bits, only the keyed HMAC digest kept, the key
 * shown once). Revocation reaches every replica through the billing events at once.
 */
@Injectable()
export class PlatformAdminKeysService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly events: BillingEventsService,
    private readonly keys: DatabaseApiKeyResolver,
  ) {}

  async create(
    dto: CreateAdminKeyDto,
    actor: AdminActor,
  ): Promise<{ key: AdminKeyEntity; plaintext: string }> {
    const expiresAt = dto.expires_at === undefined ? null : new Date(dto.expires_at);
    if (expiresAt && expiresAt.getTime() <= Date.now()) {
      throw new GatewayError(ErrorCode.ValidationFailed, 'expires_at must be in the future.', {
        param: 'expires_at',
      });
    }
    const generated = generateApiKey();
    const keyHash = this.keys.digest(generated.key);
    const key = await this.dataSource.transaction(async (manager) => {
      const inserted = await manager.insert(AdminKeyEntity, {
        name: dto.name.trim(),
        keyHash,
        prefix: generated.prefix,
        expiresAt,
        createdBy: actor.name,
      });
      const id = (inserted.identifiers[0] as { id: string }).id;
      await writeAdminAudit(
        manager,
        actor,
        'admin_key.create',
        { type: 'admin_key', id },
        { name: dto.name.trim(), prefix: generated.prefix, expires_at: expiresAt?.toISOString() ?? null },
      );
      return manager.findOneByOrFail(AdminKeyEntity, { id });
    });
    this.events.publish({ type: 'key', keyHash });
    return { key, plaintext: generated.key };
  }

  list(limit = 100, offset = 0): Promise<AdminKeyEntity[]> {
    return this.dataSource
      .getRepository(AdminKeyEntity)
      .find({ order: { createdAt: 'ASC', id: 'ASC' }, take: limit, skip: offset });
  }

  /** Revokes an admin key (idempotent): every replica refuses it once the invalidation arrives. */
  async revoke(id: string, actor: AdminActor): Promise<AdminKeyEntity> {
    const key = await this.dataSource.transaction(async (manager) => {
      const current = await manager.findOne(AdminKeyEntity, {
        where: { id },
        lock: { mode: 'pessimistic_write' },
      });
      if (!current) throw noSuchResource('admin key', id);
      if (current.status === 'revoked') return current;
      await manager.update(AdminKeyEntity, { id }, { status: 'revoked', revokedAt: new Date() });
      await writeAdminAudit(
        manager,
        actor,
        'admin_key.revoke',
        { type: 'admin_key', id },
        { prefix: current.prefix },
      );
      return manager.findOneByOrFail(AdminKeyEntity, { id });
    });
    this.events.publish({ type: 'key', keyHash: key.keyHash.trim() });
    return key;
  }
}
