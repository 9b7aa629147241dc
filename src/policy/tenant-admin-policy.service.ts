import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { writeAdminAudit, type AdminActor } from '../billing/admin/admin-audit';
import { ErrorCode, GatewayError } from '../common/errors';
import { noSuchResource } from '../common/resource-id';
import { ModelCatalog } from '../routing/model-catalog';
import { ceilingViolations, type CeilingViolation } from './policy-ceiling';
import type { TenantPolicyDto } from './policy.dto';
import { PolicyService } from './policy.service';
import { policyFromDto } from './platform-policy';
import type { CompiledPolicy, TenantPolicy } from './tenant-policy';
import { returnedRows } from '../common/returned-rows';

interface StoredPolicy {
  tenantName: string;
  /** The platform admin's policy: the stored ceiling, else the policy, else the platform default. */
  ceiling: TenantPolicy;
  /** A tenant admin has narrowed the policy (a ceiling is stored beside it). */
  narrowed: boolean;
}

function refused(violations: CeilingViolation[]): GatewayError {
  const details = violations.map((violation) => `${violation.field}: ${violation.message}`).join('; ');
  return new GatewayError(
    ErrorCode.PermissionDenied,
    `A tenant admin may only narrow the tenant's policy within the platform admin's: ${details}.`,
    { param: violations[0].field },
  );
}

/**
 * A tenant admin's edits of its tenant's policy (src/policy/policy-ceiling.ts says what
 * "narrower" means). The platform admin's policy is kept as the ceiling (tenant_policies.ceiling)
 * beside the effective policy, so the tenant admin can narrow, widen back up to the ceiling, or
 * reset to it; a platform admin's PUT replaces both (the narrowing ends). The hot path reads
 * the effective policy only, as before.
 */
@Injectable()
export class TenantAdminPolicyService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly policies: PolicyService,
    private readonly catalog: ModelCatalog,
  ) {}

  /** PUT by a tenant admin: omitted fields keep the ceiling's values; anything wider is a 403. */
  async narrow(tenantId: string, dto: TenantPolicyDto, actor: AdminActor): Promise<TenantPolicy> {
    const { policy, compiled, version } = await this.dataSource.transaction(async (manager) => {
      const stored = await this.stored(manager, tenantId);
      // Omitted fields keep the ceiling's values; null ones mean "no restriction" (then refused).
      const policy = policyFromDto(dto, stored.ceiling, this.catalog);
      const violations = ceilingViolations(stored.ceiling, policy, (name) => this.canonical(name));
      if (violations.length > 0) throw refused(violations);
      const compiled = this.policies.compileOrReject(policy, stored.tenantName);
      const [row]: Array<{ version: number }> = await manager.query(
        `INSERT INTO tenant_policies (tenant_id, policy, ceiling, updated_at) VALUES ($1, $2::jsonb, $3::jsonb, now())
         ON CONFLICT (tenant_id) DO UPDATE SET policy = EXCLUDED.policy, ceiling = EXCLUDED.ceiling, updated_at = now(),
           version = tenant_policies.version + 1
         RETURNING version`,
        [tenantId, JSON.stringify(policy), JSON.stringify(stored.ceiling)],
      );
      await writeAdminAudit(
        manager,
        actor,
        'policy.narrow',
        { type: 'tenant', id: tenantId },
        {
          policy,
          policy_version: row.version,
        },
      );
      return { policy, compiled, version: row.version };
    });
    this.policies.installed(tenantId, compiled, version);
    return policy;
  }

  /** DELETE by a tenant admin: back to the platform admin's policy (a no-op when not narrowed). */
  async reset(tenantId: string, actor: AdminActor): Promise<void> {
    const reset = await this.dataSource.transaction(async (manager) => {
      const stored = await this.stored(manager, tenantId);
      if (!stored.narrowed) return null;
      const compiled: CompiledPolicy = this.policies.compileOrReject(stored.ceiling, stored.tenantName);
      const [row] = returnedRows<{ version: number }>(
        await manager.query(
          `UPDATE tenant_policies SET policy = ceiling, ceiling = NULL, updated_at = now(), version = version + 1
            WHERE tenant_id = $1 RETURNING version`,
          [tenantId],
        ),
      );
      await writeAdminAudit(
        manager,
        actor,
        'policy.reset_to_ceiling',
        { type: 'tenant', id: tenantId },
        {
          policy_version: row.version,
        },
      );
      return { compiled, version: row.version };
    });
    if (reset) this.policies.installed(tenantId, reset.compiled, reset.version);
  }

  private async stored(manager: EntityManager, tenantId: string): Promise<StoredPolicy> {
    const tenants: Array<{ name: string }> = await manager.query(`SELECT name FROM tenants WHERE id = $1`, [
      tenantId,
    ]);
    if (tenants.length === 0) throw noSuchResource('tenant', tenantId);
    const rows: Array<{ policy: TenantPolicy; ceiling: TenantPolicy | null }> = await manager.query(
      `SELECT policy, ceiling FROM tenant_policies WHERE tenant_id = $1 FOR UPDATE`,
      [tenantId],
    );
    const row = rows[0];
    return {
      tenantName: tenants[0].name,
      ceiling: row ? (row.ceiling ?? row.policy) : this.policies.platformPolicy,
      narrowed: row !== undefined && row.ceiling !== null,
    };
  }

  private canonical(name: string): string {
    return (
      this.catalog.resolveRequest(name)?.entry.spec.id ?? this.catalog.resolveEmbedding(name)?.id ?? name
    );
  }
}
