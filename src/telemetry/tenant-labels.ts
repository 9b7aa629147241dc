import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';

/** The `tenant` label of every tenant beyond METRICS_TENANT_LIMIT (and of all of them at 0). */
export const OTHER_TENANT = 'other';

/**
 * The `tenant` label of the per-tenant metrics (cost, tokens), with a bounded value set: the
 * first METRICS_TENANT_LIMIT distinct tenants this replica serves get their own value (their id,
 * or their name with METRICS_TENANT_LABEL=name), every later one is counted as `other`. So a
 * replica exports at most (limit + 1) × models × kinds series, however many tenants exist.
 * Replicas choose independently (each its first N), so with more tenants than the limit a
 * tenant may be `other` on one replica and itself on another: raise the limit above the tenant
 * count to make per-tenant sums exact (docs/operations.md, Cardinality).
 */
@Injectable()
export class TenantLabels {
  private readonly labelled = new Set<string>();
  private readonly limit: number;
  private readonly byName: boolean;

  constructor(config: AppConfig) {
    this.limit = config.telemetry.tenantLabelLimit;
    this.byName = config.telemetry.tenantLabel === 'name';
  }

  /** The label value of a tenant: itself while the limit allows, else `other`. */
  of(tenantId: string, tenantName: string): string {
    const value = this.byName ? tenantName : tenantId;
    if (this.labelled.has(value)) return value;
    if (this.labelled.size >= this.limit || value === OTHER_TENANT) return OTHER_TENANT;
    this.labelled.add(value);
    return value;
  }

  /** The label value of a tenant for a gauge that exports only chosen tenants (no `other`). */
  valueOf(tenantId: string, tenantName: string): string {
    return this.byName ? tenantName : tenantId;
  }
}
