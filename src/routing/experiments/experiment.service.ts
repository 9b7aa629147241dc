import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AdminActor } from '../../billing/admin/admin-audit';
import { BillingEventsService } from '../../billing/events/billing-events.service';
import { ChangeFeed } from '../../billing/events/change-feed';
import { ErrorCode, GatewayError } from '../../common/errors';
import { isResourceId, noSuchResource } from '../../common/resource-id';
import { AppConfig } from '../../config/app-config';
import type { TenantRoutingSource } from '../lab/decision-record';
import { ModelCatalog } from '../model-catalog';
import { RoutingPolicyService } from '../routing-policy';
import type { StickySubject } from './arm-assignment';
import { experimentReport, type ExperimentReport } from './experiment-report';
import type { ExperimentSpec } from './experiment-spec';
import {
  experimentsChangeStamp,
  findExperiment,
  insertExperiment,
  listExperiments,
  runningExperiments,
  stopExperiment,
  type ExperimentRow,
} from './experiment-store';
import { compileArm, LiveExperiment, type ArmAssignment, type LiveRouting } from './live-experiment';

/** Safety net for missed events (Redis down): running experiments are reloaded this often. */
const REFRESH_INTERVAL_MS = 60_000;
/** Replicas on a shared Postgres without Redis poll a change stamp this often (a change applies within 1 s). */
const CHANGE_POLL_INTERVAL_MS = 500;

/** An experiment as the admin API shows it. */
export interface ExperimentView {
  object: 'routing.experiment';
  id: string;
  tenant_id: string;
  name: string;
  sticky: string;
  status: 'running' | 'stopped';
  arms: Array<{
    name: string;
    weight: number;
    routing: string | null;
    status: 'running' | 'stopped';
    stopped_at: string | null;
  }>;
  created_by: string;
  created_at: string;
  updated_at: string;
  stopped_at: string | null;
}

function iso(value: Date | string | null): string | null {
  return value === null ? null : new Date(value).toISOString();
}

export function experimentView(row: ExperimentRow): ExperimentView {
  return {
    object: 'routing.experiment',
    id: row.id,
    tenant_id: row.tenant_id,
    name: row.name,
    sticky: row.sticky,
    status: row.status,
    arms: row.arms.map((arm) => ({
      name: arm.name,
      weight: arm.weight,
      routing: arm.routing,
      status: arm.stopped_at === null && row.status === 'running' ? 'running' : 'stopped',
      stopped_at: arm.stopped_at,
    })),
    created_by: row.created_by,
    created_at: iso(row.created_at)!,
    updated_at: iso(row.updated_at)!,
    stopped_at: iso(row.stopped_at),
  };
}

/**
 * A/B routing experiments (docs/routing.md "A/B experiments"). The running experiments live in
 * memory, compiled (assign() does no I/O); a change made on any replica is applied here at once
 * and announced over the billing events channel (Redis pub/sub) to the others — or, on a shared
 * Postgres without Redis, found by polling a change stamp twice a second, as tenant policies are
 * — with a full reload every minute as a safety net.
 */
@Injectable()
export class ExperimentService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Experiments');
  private readonly live = new Map<string, LiveExperiment>();
  private readonly feed: ChangeFeed;
  private readonly routing: LiveRouting;

  constructor(
    private readonly dataSource: DataSource,
    catalog: ModelCatalog,
    policies: RoutingPolicyService,
    private readonly events: BillingEventsService,
    private readonly config: AppConfig,
  ) {
    this.routing = { catalog, policies, routingFile: config.routing.routingFile };
    this.feed = new ChangeFeed({
      events,
      onEvent: (event) => {
        if (event.type === 'experiment') void this.reload(event.tenantId);
      },
      reloadAll: () => this.reloadAll(),
      refreshIntervalMs: REFRESH_INTERVAL_MS,
      pollStamp: !events.distributed && config.databaseUrl !== null,
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

  /** Whether the tenant runs an experiment (one Map lookup). */
  runs(tenantId: string): boolean {
    return this.live.has(tenantId);
  }

  /** The arm of a request of this tenant (null: no experiment runs, or no arm can take it). */
  assign(subject: StickySubject, source: TenantRoutingSource | null): ArmAssignment | null {
    return this.live.get(subject.tenantId)?.assign(subject, source) ?? null;
  }

  /* ------------------------------------------------------------------ admin */

  /** Validates the arms (their routing against the catalog, and the tenant's routing under each) and starts it. */
  async create(
    tenantId: string,
    spec: ExperimentSpec,
    tenantRouting: TenantRoutingSource | null,
    actor: AdminActor,
  ): Promise<ExperimentView> {
    await this.requireTenant(tenantId);
    spec.arms.forEach((arm, index) => {
      if (compileArm(arm, index, this.routing).policyFor(tenantRouting) === null)
        throw new GatewayError(
          ErrorCode.ValidationFailed,
          `Invalid value for 'arms[${index}].routing': the tenant's policy (its routing override or allowed models) is not valid under it.`,
          { param: `arms[${index}].routing` },
        );
    });
    const row = await insertExperiment(this.dataSource, tenantId, spec, actor);
    this.changed(row);
    return experimentView(row);
  }

  async list(tenantId: string): Promise<ExperimentView[]> {
    await this.requireTenant(tenantId);
    return (await listExperiments(this.dataSource, tenantId)).map(experimentView);
  }

  async get(tenantId: string, id: string): Promise<ExperimentView> {
    return experimentView(await this.require(tenantId, id));
  }

  /** Stops an arm, or the experiment (arm null); applies here at once and on every replica within a second. */
  async stop(tenantId: string, id: string, arm: string | null, actor: AdminActor): Promise<ExperimentView> {
    await this.require(tenantId, id);
    const row = await stopExperiment(this.dataSource, tenantId, id, arm, actor);
    if (!row) throw noSuchResource('experiment', id);
    this.changed(row);
    return experimentView(row);
  }

  async report(tenantId: string, id: string): Promise<ExperimentReport> {
    return experimentReport(this.dataSource, await this.require(tenantId, id));
  }

  /* ------------------------------------------------------------------ internals */

  /** The tenant first (its 404 is the guard's), then the experiment within it. */
  private async require(tenantId: string, id: string): Promise<ExperimentRow> {
    await this.requireTenant(tenantId);
    const row = isResourceId(id) ? await findExperiment(this.dataSource, tenantId, id.toLowerCase()) : null;
    if (!row) throw noSuchResource('experiment', id);
    return row;
  }

  private async requireTenant(tenantId: string): Promise<void> {
    const rows: unknown[] = await this.dataSource.query(`SELECT 1 FROM tenants WHERE id = $1`, [tenantId]);
    if (rows.length === 0) throw noSuchResource('tenant', tenantId);
  }

  /** A change just stored: applied here at once, and announced to the other replicas. */
  private changed(row: ExperimentRow): void {
    if (row.status === 'running') this.live.set(row.tenant_id, this.compile(row));
    else if (this.live.get(row.tenant_id)?.id === row.id) this.live.delete(row.tenant_id);
    this.events.publish({ type: 'experiment', tenantId: row.tenant_id });
  }

  private compile(row: ExperimentRow): LiveExperiment {
    const arms = row.arms.map((arm, index) =>
      compileArm({ ...arm, active: arm.stopped_at === null }, index, this.routing),
    );
    return new LiveExperiment(row.id, row.tenant_id, row.sticky, arms);
  }

  /** Compiled running experiments; one that no longer compiles (e.g. a model removed) is left out and logged. */
  private install(rows: ExperimentRow[]): Map<string, LiveExperiment> {
    const fresh = new Map<string, LiveExperiment>();
    for (const row of rows) {
      try {
        fresh.set(row.tenant_id, this.compile(row));
      } catch (error) {
        this.logger.error(
          `experiment ${row.id} no longer compiles, not applied: ${(error as Error).message}`,
        );
      }
    }
    return fresh;
  }

  private async reload(tenantId: string): Promise<void> {
    try {
      const fresh = this.install(await runningExperiments(this.dataSource, tenantId));
      const experiment = fresh.get(tenantId);
      if (experiment) this.live.set(tenantId, experiment);
      else this.live.delete(tenantId);
    } catch (error) {
      this.logger.warn(`could not reload the experiment of tenant ${tenantId}: ${(error as Error).message}`);
    }
  }

  private async reloadAll(): Promise<void> {
    try {
      const fresh = this.install(await runningExperiments(this.dataSource));
      this.live.clear();
      for (const [tenantId, experiment] of fresh) this.live.set(tenantId, experiment);
    } catch (error) {
      this.logger.warn(`could not reload routing experiments: ${(error as Error).message}`);
    }
  }

  private async readChangeStamp(): Promise<string | null> {
    try {
      return await experimentsChangeStamp(this.dataSource);
    } catch (error) {
      this.logger.warn(`could not read the experiments change stamp: ${(error as Error).message}`);
      return null;
    }
  }
}
