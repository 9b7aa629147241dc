import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { Principal } from '../common/principal';
import { BillingEventsService } from '../billing/events/billing-events.service';
import { ChangeFeed } from '../billing/events/change-feed';
import type { ChatCompletionRequest } from '../common/openai/chat.types';
import { ErrorCode, GatewayError } from '../common/errors';
import { noSuchResource } from '../common/resource-id';
import { RoutingConfigError } from '../routing/config-reader';
import { ModelCatalog } from '../routing/model-catalog';
import { RoutingPolicyService } from '../routing/routing-policy';
import { AppConfig } from '../config/app-config';
import type { TenantPolicyDto } from './policy.dto';
import { loadPlatformPolicy, policyFromDto } from './platform-policy';
import { applyRequestLimits, assertEndpointAllowed } from './request-limits';
import type { PolicyEndpoint } from './request-limits';
import type {
  DecisionLogSettings,
  EmbeddingVerdict,
  PolicyEnforcer,
  PolicyRef,
  PolicyVerdict,
} from './policy.types';
import type { EmbeddingModelSpec } from '../routing/routing.types';
import {
  applyEmbeddingPolicy,
  applyPiiPolicy,
  compilePolicy,
  CompiledPolicy,
  describeCounts,
  TenantPolicy,
} from './tenant-policy';

/** Safety net for missed invalidations (Redis down): policies are reloaded this often. */
const REFRESH_INTERVAL_MS = 60_000;
/**
 * Replicas sharing a Postgres without Redis hear of no change: they poll a change stamp of the
 * policy table this often instead, so that a change applies everywhere within a second.
 */
const CHANGE_POLL_INTERVAL_MS = 500;

export interface PolicyActor {
  name: string;
  requestId: string | null;
}

/**
 * Tenant policies (every mode). All policies live in memory, compiled for the hot path
 * (evaluate() does no I/O); a change made on any replica is announced over the billing events
 * channel (Redis pub/sub) and reloaded everywhere — or, on a shared Postgres without Redis, found
 * by polling a change stamp twice a second — with a periodic full reload as a safety net.
 * Tenants without a policy get the platform default (config/policy.yaml).
 */
@Injectable()
export class PolicyService implements PolicyEnforcer, OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Policy');
  private readonly compiled = new Map<string, CompiledPolicy>();
  /** The platform default policy (config/policy.yaml), as stored fields and compiled. */
  readonly platformPolicy: TenantPolicy;
  /** The version of each tenant's policy (tenant_policies.version, bumped on every PUT). */
  private readonly versions = new Map<string, number>();
  private readonly defaultPolicy: CompiledPolicy;
  private readonly feed: ChangeFeed;

  constructor(
    private readonly dataSource: DataSource,
    private readonly catalog: ModelCatalog,
    private readonly routingPolicies: RoutingPolicyService,
    private readonly events: BillingEventsService,
    private readonly config: AppConfig,
  ) {
    this.platformPolicy = loadPlatformPolicy(config.routing.policyFile, catalog);
    this.defaultPolicy = compilePolicy(this.platformPolicy, catalog, routingPolicies, 'platform default');
    this.feed = new ChangeFeed({
      events: this.events,
      onEvent: (event) => {
        if (event.type === 'policy') void this.reload(event.tenantId);
      },
      reloadAll: () => this.reloadAll(),
      refreshIntervalMs: REFRESH_INTERVAL_MS,
      // One process on the embedded database, or Redis events: nothing to poll.
      pollStamp: !this.events.distributed && config.databaseUrl !== null,
      readStamp: () => this.readChangeStamp(),
      pollIntervalMs: CHANGE_POLL_INTERVAL_MS,
    });
  }

  async onModuleInit(): Promise<void> {
    await this.feed.start();
  }

  onModuleDestroy(): void {
    this.feed.stop();
  }

  /* ------------------------------------------------------------------ hot path */

  evaluate(
    request: ChatCompletionRequest,
    principal: Principal,
    endpoint: PolicyEndpoint = 'chat_completions',
  ): PolicyVerdict {
    const policy = this.compiled.get(principal.tenantId) ?? this.defaultPolicy;
    const limited = applyRequestLimits(request, policy.limits, endpoint);
    const pii = applyPiiPolicy(limited, policy);
    const notes: string[] = [];
    if (pii.request !== limited) notes.push(`pii_redacted: ${describeCounts(pii.counts)}`);
    if (limited !== request) notes.push(`max_output_tokens: ${policy.limits.maxOutputTokens}`);
    return {
      request: pii.request,
      routingPolicy: policy.routingPolicy,
      notes,
      redactions: pii.counts,
      cache: policy.source.cache ?? null,
    };
  }

  ref(principal: Principal): PolicyRef {
    if (!this.compiled.has(principal.tenantId)) return { id: 'default', version: null };
    return { id: principal.tenantId, version: this.versions.get(principal.tenantId) ?? null };
  }

  evaluateEmbedding(texts: string[], model: EmbeddingModelSpec, principal: Principal): EmbeddingVerdict {
    const policy = this.compiled.get(principal.tenantId) ?? this.defaultPolicy;
    assertEndpointAllowed(policy.limits, 'embeddings');
    const outcome = applyEmbeddingPolicy(texts, model, policy, this.catalog);
    const notes = outcome.texts !== texts ? [`pii_redacted: ${describeCounts(outcome.counts)}`] : [];
    const screensPii = policy.piiAction !== 'off' && policy.piiKinds.size > 0;
    return { texts: outcome.texts, notes, redactions: outcome.counts, screensPii };
  }

  decisionLog(principal: Principal): DecisionLogSettings {
    const policy = this.compiled.get(principal.tenantId) ?? this.defaultPolicy;
    return {
      enabled: policy.decisionLog.enabled,
      promptHash: policy.decisionLog.prompt_hash,
      routing: policy.routingSource,
    };
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
      : { policy: this.platformPolicy, customised: false, ceiling: this.platformPolicy };
  }

  async put(tenantId: string, dto: TenantPolicyDto, actor: PolicyActor): Promise<TenantPolicy> {
    const policy = policyFromDto(dto, this.platformPolicy, this.catalog);
    const tenantName = await this.requireTenant(this.dataSource.manager, tenantId);
    const compiled = this.compileOrReject(policy, tenantName);
    const version = await this.dataSource.transaction(async (manager) => {
      const [row]: Array<{ version: number }> = await manager.query(
        `INSERT INTO tenant_policies (tenant_id, policy, updated_at) VALUES ($1, $2::jsonb, now())
         ON CONFLICT (tenant_id) DO UPDATE
           SET policy = EXCLUDED.policy, ceiling = NULL, updated_at = now(), version = tenant_policies.version + 1
         RETURNING version`,
        [tenantId, JSON.stringify(policy)],
      );
      await this.audit(manager, actor, 'policy.put', tenantId, policy, row.version);
      return row.version;
    });
    this.installed(tenantId, compiled, version);
    return policy;
  }

  /** A policy just stored (its new version): applied here at once, and announced to the other replicas. */
  installed(tenantId: string, compiled: CompiledPolicy, version: number): void {
    this.compiled.set(tenantId, compiled);
    this.versions.set(tenantId, version);
    this.events.publish({ type: 'policy', tenantId });
  }

  async remove(tenantId: string, actor: PolicyActor): Promise<void> {
    await this.requireTenant(this.dataSource.manager, tenantId);
    await this.dataSource.transaction(async (manager) => {
      await manager.query(`DELETE FROM tenant_policies WHERE tenant_id = $1`, [tenantId]);
      await this.audit(manager, actor, 'policy.delete', tenantId, null, null);
    });
    this.compiled.delete(tenantId);
    this.versions.delete(tenantId);
    this.events.publish({ type: 'policy', tenantId });
  }

  /* ------------------------------------------------------------------ internals */

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

  /**
   * A stored policy, compiled: fields it lacks (stored before they existed) take the platform
   * default's values.
   */
  private compileStored(stored: TenantPolicy, tenantName: string): CompiledPolicy {
    const present = Object.fromEntries(Object.entries(stored).filter(([, value]) => value !== undefined));
    const policy = { ...this.platformPolicy, ...present } as TenantPolicy;
    return compilePolicy(policy, this.catalog, this.routingPolicies, tenantName);
  }

  /**
   * A digest of every policy row's (tenant, updated_at): any write or delete changes it, whatever
   * the commit order (a max(updated_at) would miss a write that committed late).
   */
  private async readChangeStamp(): Promise<string | null> {
    try {
      const rows: Array<{ stamp: string | null }> = await this.dataSource.query(
        `SELECT md5(coalesce(string_agg(tenant_id::text || ':' || updated_at::text, ',' ORDER BY tenant_id), '')) AS stamp
           FROM tenant_policies`,
      );
      return rows[0]?.stamp ?? '';
    } catch (error) {
      this.logger.warn(`could not read the policy change stamp: ${(error as Error).message}`);
      return null;
    }
  }

  private async reload(tenantId: string): Promise<void> {
    try {
      const rows: Array<{ policy: TenantPolicy; name: string; version: number }> =
        await this.dataSource.query(
          `SELECT p.policy, p.version, t.name FROM tenant_policies p JOIN tenants t ON t.id = p.tenant_id WHERE p.tenant_id = $1`,
          [tenantId],
        );
      if (rows.length === 0) {
        this.compiled.delete(tenantId);
        this.versions.delete(tenantId);
      } else {
        this.compiled.set(tenantId, this.compileStored(rows[0].policy, rows[0].name));
        this.versions.set(tenantId, rows[0].version);
      }
    } catch (error) {
      this.logger.warn(`could not reload the policy of tenant ${tenantId}: ${(error as Error).message}`);
    }
  }

  private async reloadAll(): Promise<void> {
    try {
      const rows: Array<{ tenant_id: string; policy: TenantPolicy; name: string; version: number }> =
        await this.dataSource.query(
          `SELECT p.tenant_id, p.policy, p.version, t.name FROM tenant_policies p JOIN tenants t ON t.id = p.tenant_id`,
        );
      const fresh = new Map<string, CompiledPolicy>();
      for (const row of rows) {
        try {
          fresh.set(row.tenant_id, this.compileStored(row.policy, row.name));
        } catch (error) {
          // A stored policy the current catalog rejects (e.g. a model removed): keep the last good one.
          this.logger.error(`policy of tenant ${row.name} no longer compiles: ${(error as Error).message}`);
          const previous = this.compiled.get(row.tenant_id);
          if (previous) fresh.set(row.tenant_id, previous);
        }
      }
      this.compiled.clear();
      for (const [tenantId, policy] of fresh) this.compiled.set(tenantId, policy);
      this.versions.clear();
      for (const row of rows) this.versions.set(row.tenant_id, row.version);
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
    version: number | null,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO audit_log (actor, action, target_type, target_id, details, policy_id, policy_version)
       VALUES ($1, $2, 'tenant', $3, $4::jsonb, $3, $5)`,
      [
        actor.name,
        action,
        tenantId,
        JSON.stringify({ request_id: actor.requestId, policy: details }),
        version,
      ],
    );
  }
}
