import { Injectable } from '@nestjs/common';
import { DataSource, QueryFailedError, type EntityManager } from 'typeorm';
import { DEFAULT_TENANT_ID } from '../../common/principal';
import { ErrorCode, GatewayError } from '../../common/errors';
import { noSuchResource } from '../../common/resource-id';
import type { BudgetPeriod } from '../../config/app-config';
import { periodEnd, periodStart } from '../budgets/budget-period';
import { startCounterFromUsage } from '../budgets/budget-store';
import { ApiKeyEntity, BudgetEntity, TenantEntity } from '../entities';
import { BillingEventsService } from '../events/billing-events.service';
import { generateApiKey } from '../keys/api-key-secret';
import { DatabaseApiKeyResolver } from '../keys/api-key-resolver.service';
import { nanoToUsd, usdToNano } from '../../common/pricing';
import type { UsageReport } from '../usage/usage-query';
import { UsageQueryService } from '../usage/usage-query.service';
import type {
  CreateKeyDto,
  CreateTenantDto,
  PutBudgetDto,
  UpdateTenantDto,
  UsageQueryDto,
} from './admin.dto';
import type { BudgetSnapshot } from './admin.responses';
import { writeAdminAudit, type AdminActor } from './admin-audit';
import { resolveTimeRange } from '../../common/time-range';

export type { AdminActor } from './admin-audit';

export type BudgetScope = 'tenant' | 'key';

const DEFAULT_USAGE_RANGE_DAYS = 30;
const UNIQUE_VIOLATION = '23505';

function isUniqueViolation(error: unknown): boolean {
  return (
    error instanceof QueryFailedError &&
    (error as QueryFailedError & { code?: string }).code === UNIQUE_VIOLATION
  );
}

function notFound(what: string, id: string): GatewayError {
  return noSuchResource(what, id);
}

/** What a tenant admin may not do (platform admins decide it). */
function beyondTenantAdmin(message: string, param: string | null = null): GatewayError {
  return new GatewayError(ErrorCode.PermissionDenied, message, { param });
}

function duplicateName(name: string): GatewayError {
  return new GatewayError(ErrorCode.Conflict, `A tenant named "${name}" already exists.`, { param: 'name' });
}

function invalid(param: string, message: string): GatewayError {
  return new GatewayError(ErrorCode.ValidationFailed, message, { param });
}

/**
 * The admin operations. Each change and its audit_log row commit in one transaction; caches on
 * every replica are told after the commit (BillingEventsService).
 */
@Injectable()
export class AdminService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly events: BillingEventsService,
    private readonly keys: DatabaseApiKeyResolver,
    private readonly usageQuery: UsageQueryService,
  ) {}

  /* ---------------- tenants ---------------- */

  async createTenant(dto: CreateTenantDto, actor: AdminActor): Promise<TenantEntity> {
    const name = dto.name.trim();
    try {
      return await this.dataSource.transaction(async (manager) => {
        // The unique constraint decides races; the check spares the database a failed insert.
        if (await manager.existsBy(TenantEntity, { name })) throw duplicateName(name);
        const inserted = await manager.insert(TenantEntity, {
          name,
          rateLimitRpm: dto.rate_limit_rpm ?? null,
        });
        const id = (inserted.identifiers[0] as { id: string }).id;
        await this.audit(manager, actor, 'tenant.create', 'tenant', id, {
          name,
          rate_limit_rpm: dto.rate_limit_rpm ?? null,
        });
        return manager.findOneByOrFail(TenantEntity, { id });
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw duplicateName(name);
      throw error;
    }
  }

  /** Every tenant, or only `scope` (a tenant admin's own tenant). */
  listTenants(limit = 100, offset = 0, scope: string | null = null): Promise<TenantEntity[]> {
    return this.dataSource.getRepository(TenantEntity).find({
      where: scope === null ? {} : { id: scope },
      order: { createdAt: 'ASC', id: 'ASC' },
      take: limit,
      skip: offset,
    });
  }

  async getTenant(id: string): Promise<TenantEntity> {
    const tenant = await this.dataSource.getRepository(TenantEntity).findOneBy({ id });
    if (!tenant) throw notFound('tenant', id);
    return tenant;
  }

  async updateTenant(id: string, dto: UpdateTenantDto, actor: AdminActor): Promise<TenantEntity> {
    if (dto.status === undefined && dto.name === undefined && dto.rate_limit_rpm === undefined) {
      throw invalid('status', 'Nothing to change: send status, name or rate_limit_rpm.');
    }
    if (dto.name !== undefined && id === DEFAULT_TENANT_ID) {
      throw invalid('name', 'The default tenant cannot be renamed (static API keys refer to it).');
    }
    try {
      const tenant = await this.dataSource.transaction(async (manager) => {
        const current = await manager.findOne(TenantEntity, {
          where: { id },
          lock: { mode: 'pessimistic_write' },
        });
        if (!current) throw notFound('tenant', id);
        const changes: Record<string, { from: unknown; to: unknown }> = {};
        const patch: Partial<TenantEntity> = {};
        if (dto.status !== undefined && dto.status !== current.status) {
          changes.status = { from: current.status, to: dto.status };
          patch.status = dto.status;
        }
        if (dto.name !== undefined && dto.name.trim() !== current.name) {
          if (await manager.existsBy(TenantEntity, { name: dto.name.trim() }))
            throw duplicateName(dto.name.trim());
          changes.name = { from: current.name, to: dto.name.trim() };
          patch.name = dto.name.trim();
        }
        if (dto.rate_limit_rpm !== undefined && dto.rate_limit_rpm !== current.rateLimitRpm) {
          changes.rate_limit_rpm = { from: current.rateLimitRpm, to: dto.rate_limit_rpm };
          patch.rateLimitRpm = dto.rate_limit_rpm;
        }
        if (Object.keys(changes).length === 0) return current;
        await manager.update(TenantEntity, { id }, patch);
        const action = changes.status
          ? dto.status === 'suspended'
            ? 'tenant.suspend'
            : 'tenant.resume'
          : 'tenant.update';
        await this.audit(manager, actor, action, 'tenant', id, changes);
        return manager.findOneByOrFail(TenantEntity, { id });
      });
      await this.events.publish({ type: 'tenant', tenantId: id });
      await this.events.publish({ type: 'budget', tenantId: id, apiKeyId: null }); // budget labels carry the name
      return tenant;
    } catch (error) {
      if (isUniqueViolation(error)) throw duplicateName(dto.name ?? '');
      throw error;
    }
  }

  /* ---------------- keys ---------------- */

  async createKey(
    tenantId: string,
    dto: CreateKeyDto,
    actor: AdminActor,
  ): Promise<{ key: ApiKeyEntity; plaintext: string }> {
    const expiresAt = dto.expires_at === undefined ? null : new Date(dto.expires_at);
    if (expiresAt && expiresAt.getTime() <= Date.now())
      throw invalid('expires_at', 'expires_at must be in the future.');
    const role = dto.role ?? 'client';
    if (role !== 'client' && actor.role !== 'platform_admin') {
      throw beyondTenantAdmin('Only platform admins may create tenant admin keys.', 'role');
    }
    const generated = generateApiKey();
    const keyHash = this.keys.digest(generated.key);
    const key = await this.dataSource.transaction(async (manager) => {
      await this.requireTenant(manager, tenantId);
      const inserted = await manager.insert(ApiKeyEntity, {
        tenantId,
        name: dto.name.trim(),
        keyHash,
        prefix: generated.prefix,
        expiresAt,
        role,
      });
      const id = (inserted.identifiers[0] as { id: string }).id;
      await this.audit(manager, actor, 'api_key.create', 'api_key', id, {
        tenant_id: tenantId,
        name: dto.name.trim(),
        role,
        prefix: generated.prefix,
        expires_at: expiresAt?.toISOString() ?? null,
      });
      return manager.findOneByOrFail(ApiKeyEntity, { id });
    });
    this.events.publish({ type: 'key', keyHash });
    return { key, plaintext: generated.key };
  }

  async listKeys(tenantId: string): Promise<ApiKeyEntity[]> {
    await this.requireTenant(this.dataSource.manager, tenantId);
    return this.dataSource
      .getRepository(ApiKeyEntity)
      .find({ where: { tenantId }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  /** Revokes a key (idempotent). Every replica refuses it as soon as the invalidation arrives. */
  async revokeKey(id: string, actor: AdminActor): Promise<ApiKeyEntity> {
    const key = await this.dataSource.transaction(async (manager) => {
      const current = await manager.findOne(ApiKeyEntity, {
        where: { id },
        lock: { mode: 'pessimistic_write' },
      });
      if (!current) throw notFound('API key', id);
      if (current.status === 'revoked') return current;
      await manager.update(ApiKeyEntity, { id }, { status: 'revoked', revokedAt: new Date() });
      await this.audit(manager, actor, 'api_key.revoke', 'api_key', id, {
        tenant_id: current.tenantId,
        prefix: current.prefix,
      });
      return manager.findOneByOrFail(ApiKeyEntity, { id });
    });
    this.events.publish({ type: 'key', keyHash: key.keyHash.trim() });
    return key;
  }

  /* ---------------- budgets ---------------- */

  async putBudget(
    scope: BudgetScope,
    id: string,
    dto: PutBudgetDto,
    actor: AdminActor,
  ): Promise<BudgetSnapshot> {
    const limitNano = usdToNano(dto.limit_usd);
    const owner = await this.dataSource.transaction(async (manager) => {
      const target = await this.budgetOwner(manager, scope, id);
      if (actor.role === 'tenant_admin') await this.assertWithinTenantBudget(manager, target, limitNano);
      const values = [
        target.tenantId,
        target.apiKeyId,
        dto.period,
        limitNano,
        dto.soft_limit_ratio ?? 0.8,
        dto.action ?? 'downgrade',
      ];
      const conflict =
        target.apiKeyId === null
          ? '(tenant_id) WHERE api_key_id IS NULL'
          : '(api_key_id) WHERE api_key_id IS NOT NULL';
      const [row]: Array<{ id: string }> = await manager.query(
        `INSERT INTO budgets (tenant_id, api_key_id, period, limit_nano, soft_limit_ratio, soft_action, managed_by)
         VALUES ($1::uuid, $2::uuid, $3, $4::int8, $5, $6, 'admin')
         ON CONFLICT ${conflict} DO UPDATE
            SET period = EXCLUDED.period, limit_nano = EXCLUDED.limit_nano, soft_limit_ratio = EXCLUDED.soft_limit_ratio,
                soft_action = EXCLUDED.soft_action, managed_by = 'admin', updated_at = now()
         RETURNING id`,
        values,
      );
      const periodSpentNano = await startCounterFromUsage(manager, row.id, dto.period, Date.now());
      await this.audit(manager, actor, 'budget.put', 'budget', row.id, {
        scope,
        tenant_id: target.tenantId,
        api_key_id: target.apiKeyId,
        limit_usd: dto.limit_usd,
        period: dto.period,
        soft_limit_ratio: dto.soft_limit_ratio ?? 0.8,
        action: dto.action ?? 'downgrade',
        period_spent_usd: nanoToUsd(periodSpentNano),
      });
      return target;
    });
    await this.events.publish({ type: 'budget', tenantId: owner.tenantId, apiKeyId: owner.apiKeyId });
    return this.getBudget(scope, id);
  }

  async getBudget(scope: BudgetScope, id: string): Promise<BudgetSnapshot> {
    const manager = this.dataSource.manager;
    const owner = await this.budgetOwner(manager, scope, id);
    const found =
      owner.apiKeyId === null
        ? await this.tenantBudget(manager, owner.tenantId)
        : await manager.findOneBy(BudgetEntity, { apiKeyId: owner.apiKeyId });
    if (!found)
      throw new GatewayError(
        ErrorCode.NotFound,
        `No budget is set for this ${scope === 'tenant' ? 'tenant' : 'API key'}.`,
      );
    return this.snapshot(manager, found);
  }

  async deleteBudget(scope: BudgetScope, id: string, actor: AdminActor): Promise<void> {
    const owner = await this.dataSource.transaction(async (manager) => {
      const target = await this.budgetOwner(manager, scope, id);
      const rows: Array<{ id: string }> = await manager.query(
        target.apiKeyId === null
          ? `DELETE FROM budgets WHERE tenant_id = $1::uuid AND api_key_id IS NULL RETURNING id`
          : `DELETE FROM budgets WHERE api_key_id = $1::uuid RETURNING id`,
        [target.apiKeyId ?? target.tenantId],
      );
      // DELETE … RETURNING gives [rows, count] through some drivers: normalise.
      const deleted = Array.isArray(rows[0]) ? (rows[0] as unknown as Array<{ id: string }>) : rows;
      if (deleted.length === 0) {
        throw new GatewayError(
          ErrorCode.NotFound,
          `No budget is set for this ${scope === 'tenant' ? 'tenant' : 'API key'}.`,
        );
      }
      await this.audit(manager, actor, 'budget.delete', 'budget', deleted[0].id, {
        scope,
        tenant_id: target.tenantId,
        api_key_id: target.apiKeyId,
      });
      return target;
    });
    await this.events.publish({ type: 'budget', tenantId: owner.tenantId, apiKeyId: owner.apiKeyId });
  }

  /* ---------------- usage ---------------- */

  async usage(tenantId: string, query: UsageQueryDto): Promise<UsageReport> {
    await this.requireTenant(this.dataSource.manager, tenantId);
    const { from, to } = resolveTimeRange(query, { defaultDays: DEFAULT_USAGE_RANGE_DAYS });
    return this.usageQuery.report(tenantId, from, to, query.group_by ?? null);
  }

  /* ---------------- helpers ---------------- */

  private async requireTenant(manager: EntityManager, id: string): Promise<void> {
    const exists = await manager.existsBy(TenantEntity, { id });
    if (!exists) throw notFound('tenant', id);
  }

  private async budgetOwner(
    manager: EntityManager,
    scope: BudgetScope,
    id: string,
  ): Promise<{ tenantId: string; apiKeyId: string | null }> {
    if (scope === 'tenant') {
      await this.requireTenant(manager, id);
      return { tenantId: id, apiKeyId: null };
    }
    const key = await manager.findOneBy(ApiKeyEntity, { id });
    if (!key) throw notFound('API key', id);
    return { tenantId: key.tenantId, apiKeyId: key.id };
  }

  /**
   * A tenant admin's key budget may not exceed the tenant's budget limit (whatever the periods:
   * the limits are compared as amounts). A tenant without a budget is unlimited: any key budget
   * is within it. Tenant budgets themselves are set by platform admins only.
   */
  private async assertWithinTenantBudget(
    manager: EntityManager,
    target: { tenantId: string; apiKeyId: string | null },
    limitNano: number,
  ): Promise<void> {
    if (target.apiKeyId === null) throw beyondTenantAdmin("Only platform admins may set a tenant's budget.");
    const ceiling = await this.tenantBudget(manager, target.tenantId);
    if (ceiling === null || limitNano <= ceiling.limitNano) return;
    throw beyondTenantAdmin(
      `A key budget may not exceed the tenant's budget: limit_usd ${nanoToUsd(limitNano)} is above the tenant's ${nanoToUsd(ceiling.limitNano)} USD (${ceiling.period}).`,
      'limit_usd',
    );
  }

  private async tenantBudget(manager: EntityManager, tenantId: string): Promise<BudgetEntity | null> {
    return manager
      .createQueryBuilder(BudgetEntity, 'b')
      .where('b.tenant_id = :tenantId AND b.api_key_id IS NULL', { tenantId })
      .getOne();
  }

  private async snapshot(manager: EntityManager, budget: BudgetEntity): Promise<BudgetSnapshot> {
    const start = periodStart(budget.period as BudgetPeriod, Date.now());
    const end = periodEnd(budget.period as BudgetPeriod, start);
    const [counter]: Array<{ spent_nano: number | string; reserved_nano: number | string }> =
      await manager.query(
        `SELECT spent_nano, reserved_nano FROM budget_counters WHERE budget_id = $1::uuid AND period_start = $2::timestamptz`,
        [budget.id, new Date(start).toISOString()],
      );
    return {
      budget,
      periodStart: new Date(start),
      periodEnd: end === null ? null : new Date(end),
      spentNano: Number(counter?.spent_nano ?? 0),
      reservedNano: Number(counter?.reserved_nano ?? 0),
    };
  }

  private async audit(
    manager: EntityManager,
    actor: AdminActor,
    action: string,
    targetType: string,
    targetId: string,
    details: Record<string, unknown>,
  ): Promise<void> {
    await writeAdminAudit(manager, actor, action, { type: targetType, id: targetId }, details);
  }
}
