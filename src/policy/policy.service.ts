import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { Principal } from '../common/principal';
import { BillingEventsService } from '../billing/events/billing-events.service';
import type { ChatCompletionRequest } from '../common/openai/chat.types';
import { ErrorCode, GatewayError } from '../common/errors';
import { noSuchResource } from '../common/resource-id';
import type { ProviderKey } from '../common/provider-keys';
import { RoutingConfigError } from '../routing/config-reader';
import { ModelCatalog } from '../routing/model-catalog';
import { RoutingPolicyService } from '../routing/routing-policy';
import type { RoutingPolicyOverride } from '../routing/routing-policy';
import { PII_KINDS } from './pii';
import { cacheSettingsFromDto } from './policy.dto';
import type { TenantPolicyDto } from './policy.dto';
import type { EmbeddingVerdict, PolicyEnforcer, PolicyVerdict } from './policy.types';
import type { EmbeddingModelSpec } from '../routing/routing.types';
import {
  applyEmbeddingPolicy,
  applyPiiPolicy,
  compilePolicy,
  CompiledPolicy,
  DEFAULT_TENANT_POLICY,
  describeCounts,
  TenantPolicy,
} from './tenant-policy';

/** Safety net for missed invalidations (Redis down): policies are reloaded this often. */
const REFRESH_INTERVAL_MS = 60_000;

export interface PolicyActor {
  name: string;
  requestId: string | null;
}

/**
 * Tenant policies (production mode). All policies live in memory, compiled for the hot path
 * (evaluate() does no I/O); a change made on any replica is announced over the billing events
 * channel (Redis pub/sub) and reloaded everywhere, with a periodic full reload as a safety net.
 */
@Injectable()
export class PolicyService implements PolicyEnforcer, OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Policy');
  private readonly compiled = new Map<string, CompiledPolicy>();
  private readonly defaultPolicy: CompiledPolicy;
  private refreshTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly catalog: ModelCatalog,
    private readonly routingPolicies: RoutingPolicyService,
    private readonly events: BillingEventsService,
  ) {
    this.defaultPolicy = compilePolicy(DEFAULT_TENANT_POLICY, catalog, routingPolicies, 'default');
  }

  async onModuleInit(): Promise<void> {
    await this.reloadAll();
    this.events.subscribe((event) => {
      if (event.type === 'policy') void this.reload(event.tenantId);
      else if (event.type === 'resync') void this.reloadAll();
    });
    this.refreshTimer = setInterval(() => void this.reloadAll(), REFRESH_INTERVAL_MS);
    this.refreshTimer.unref();
  }

  onModuleDestroy(): void {
    if (this.refreshTimer) clearInterval(this.refreshTimer);
  }

  /* ------------------------------------------------------------------ hot path */

  evaluate(request: ChatCompletionRequest, principal: Principal): PolicyVerdict {
    const policy = this.compiled.get(principal.tenantId) ?? this.defaultPolicy;
    const pii = applyPiiPolicy(request, policy);
    const notes: string[] = [];
    if (pii.request !== request) notes.push(`pii_redacted: ${describeCounts(pii.counts)}`);
    return {
      request: pii.request,
      routingPolicy: policy.routingPolicy,
      notes,
      cache: policy.source.cache ?? null,
    };
  }

  evaluateEmbedding(texts: string[], model: EmbeddingModelSpec, principal: Principal): EmbeddingVerdict {
    const policy = this.compiled.get(principal.tenantId) ?? this.defaultPolicy;
    const outcome = applyEmbeddingPolicy(texts, model, policy, this.catalog);
    const notes = outcome.texts !== texts ? [`pii_redacted: ${describeCounts(outcome.counts)}`] : [];
    const screensPii = policy.piiAction !== 'off' && policy.piiKinds.size > 0;
    return { texts: outcome.texts, notes, screensPii };
  }

  /* ------------------------------------------------------------------ admin */

  /** The effective policy, and the platform admin's (the ceiling a tenant admin narrows within). */
  async get(tenantId: string): Promise<{ policy: TenantPolicy; customised: boolean; ceiling: TenantPolicy }> {
    await this.requireTenant(this.dataSource.manager, tenantId);
    const rows: Array<{ policy: TenantPolicy; ceiling: TenantPolicy | null }> = await this.dataSource.query(
      `SELECT policy, ceiling FROM tenant_policies WHERE tenant_id = $1`,
      [tenantId],
    );
    return rows.length > 0
      ? { policy: rows[0].policy, customised: true, ceiling: rows[0].ceiling ?? rows[0].policy }
      : { policy: DEFAULT_TENANT_POLICY, customised: false, ceiling: DEFAULT_TENANT_POLICY };
  }

  async put(tenantId: string, dto: TenantPolicyDto, actor: PolicyActor): Promise<TenantPolicy> {
    const policy = this.fromDto(dto);
    const tenantName = await this.requireTenant(this.dataSource.manager, tenantId);
    const compiled = this.compileOrReject(policy, tenantName);
    await this.dataSource.transaction(async (manager) => {
      await manager.query(
        `INSERT INTO tenant_policies (tenant_id, policy, updated_at) VALUES ($1, $2::jsonb, now())
         ON CONFLICT (tenant_id) DO UPDATE SET policy = EXCLUDED.policy, ceiling = NULL, updated_at = now()`,
        [tenantId, JSON.stringify(policy)],
      );
      await this.audit(manager, actor, 'policy.put', tenantId, policy);
    });
    this.installed(tenantId, compiled);
    return policy;
  }

  /** A policy just stored: applied here at once, and announced to the other replicas. */
  installed(tenantId: string, compiled: CompiledPolicy): void {
    this.compiled.set(tenantId, compiled);
    this.events.publish({ type: 'policy', tenantId });
  }

  async remove(tenantId: string, actor: PolicyActor): Promise<void> {
    await this.requireTenant(this.dataSource.manager, tenantId);
    await this.dataSource.transaction(async (manager) => {
      await manager.query(`DELETE FROM tenant_policies WHERE tenant_id = $1`, [tenantId]);
      await this.audit(manager, actor, 'policy.delete', tenantId, null);
    });
    this.compiled.delete(tenantId);
    this.events.publish({ type: 'policy', tenantId });
  }

  /* ------------------------------------------------------------------ internals */

  fromDto(dto: TenantPolicyDto): TenantPolicy {
    const unknown = [...(dto.allowed_models ?? []), ...(dto.blocked_models ?? [])].filter(
      (name) => !this.catalog.resolveRequest(name) && !this.catalog.resolveEmbedding(name),
    );
    if (unknown.length > 0) {
      throw new GatewayError(
        ErrorCode.ValidationFailed,
        `Unknown model(s) in the policy: ${unknown.join(', ')}.`,
        {
          param: dto.allowed_models?.some((name) => unknown.includes(name))
            ? 'allowed_models'
            : 'blocked_models',
        },
      );
    }
    return {
      allowed_providers: (dto.allowed_providers as ProviderKey[] | null | undefined) ?? null,
      allowed_models: dto.allowed_models ?? null,
      blocked_models: dto.blocked_models ?? [],
      pii: dto.pii
        ? { action: dto.pii.action, kinds: dto.pii.kinds ?? [...PII_KINDS] }
        : DEFAULT_TENANT_POLICY.pii,
      safety_action: dto.safety_action ?? null,
      routing: (dto.routing as RoutingPolicyOverride | null | undefined) ?? null,
      cache: dto.cache ? cacheSettingsFromDto(dto.cache) : null,
    };
  }

  compileOrReject(policy: TenantPolicy, tenantName: string): CompiledPolicy {
    try {
      return compilePolicy(policy, this.catalog, this.routingPolicies, tenantName);
    } catch (error) {
      if (error instanceof RoutingConfigError) {
        throw new GatewayError(ErrorCode.ValidationFailed, `Invalid policy: ${error.problems.join('; ')}.`, {
          param: 'routing',
        });
      }
      throw error;
    }
  }

  private async reload(tenantId: string): Promise<void> {
    try {
      const rows: Array<{ policy: TenantPolicy; name: string }> = await this.dataSource.query(
        `SELECT p.policy, t.name FROM tenant_policies p JOIN tenants t ON t.id = p.tenant_id WHERE p.tenant_id = $1`,
        [tenantId],
      );
      if (rows.length === 0) this.compiled.delete(tenantId);
      else
        this.compiled.set(
          tenantId,
          compilePolicy(rows[0].policy, this.catalog, this.routingPolicies, rows[0].name),
        );
    } catch (error) {
      this.logger.warn(`could not reload the policy of tenant ${tenantId}: ${(error as Error).message}`);
    }
  }

  private async reloadAll(): Promise<void> {
    try {
      const rows: Array<{ tenant_id: string; policy: TenantPolicy; name: string }> =
        await this.dataSource.query(
          `SELECT p.tenant_id, p.policy, t.name FROM tenant_policies p JOIN tenants t ON t.id = p.tenant_id`,
        );
      const fresh = new Map<string, CompiledPolicy>();
      for (const row of rows) {
        try {
          fresh.set(row.tenant_id, compilePolicy(row.policy, this.catalog, this.routingPolicies, row.name));
        } catch (error) {
          // A stored policy the current catalog rejects (e.g. a model removed): keep the last good one.
          this.logger.error(`policy of tenant ${row.name} no longer compiles: ${(error as Error).message}`);
          const previous = this.compiled.get(row.tenant_id);
          if (previous) fresh.set(row.tenant_id, previous);
        }
      }
      this.compiled.clear();
      for (const [tenantId, policy] of fresh) this.compiled.set(tenantId, policy);
    } catch (error) {
      this.logger.warn(`could not reload tenant policies: ${(error as Error).message}`);
    }
  }

  private async requireTenant(manager: EntityManager, tenantId: string): Promise<string> {
    const rows: Array<{ name: string }> = await manager.query(`SELECT name FROM tenants WHERE id = $1`, [
      tenantId,
    ]);
    if (rows.length === 0) throw noSuchResource('tenant', tenantId);
    return rows[0].name;
  }

  private async audit(
    manager: EntityManager,
    actor: PolicyActor,
    action: string,
    tenantId: string,
    details: unknown,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO audit_log (actor, action, target_type, target_id, details) VALUES ($1, $2, 'tenant', $3, $4::jsonb)`,
      [actor.name, action, tenantId, JSON.stringify({ request_id: actor.requestId, policy: details })],
    );
  }
}
