import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { writeAdminAudit, type AdminActor } from '../../billing/admin/admin-audit';
import { BillingEventsService } from '../../billing/events/billing-events.service';
import { ChangeFeed } from '../../billing/events/change-feed';
import { ErrorCode, GatewayError } from '../../common/errors';
import { INTENT_LABELS, type IntentLabel } from '../../common/intent-labels';
import { AppConfig } from '../../config/app-config';
import { RoutingPolicyService } from '../routing-policy';
import { RoutingThresholdState, type AppliedThresholds } from '../routing-thresholds';

/** What an admin applies: any of the two thresholds and per-label floors (null: routing.yaml's again; the rest stays). */
export interface ThresholdChange {
  lowConfidence?: number;
  minConfForDirect?: number;
  floors?: Partial<Record<IntentLabel, number | null>>;
}

/** The applied values as the admin API shows them. */
export interface AppliedThresholdsView {
  object: 'routing.thresholds';
  low_confidence: number;
  min_conf_for_direct: number;
  quality_floors: Partial<Record<IntentLabel, number>>;
  /** 0: nothing applied (the env values and routing.yaml). */
  version: number;
  /** The env values and routing.yaml floors the applied ones replace. */
  defaults: { low_confidence: number; min_conf_for_direct: number };
}

interface StoredRow {
  low_confidence: number;
  min_conf_for_direct: number;
  quality_floors: Partial<Record<IntentLabel, number>>;
  version: number;
}

/** Safety net for a missed event (Redis down): the row is read again this often. */
const REFRESH_INTERVAL_MS = 60_000;
/** Replicas on a shared Postgres without Redis poll the row's version this often. */
const CHANGE_POLL_INTERVAL_MS = 500;

/** Validates a change over the applied values: the merged values, or a 400 naming the field. */
export function mergeThresholdChange(
  base: AppliedThresholds,
  change: ThresholdChange,
): Omit<AppliedThresholds, 'version'> {
  const thresholds = {
    lowConfidence: change.lowConfidence ?? base.thresholds.lowConfidence,
    minConfForDirect: change.minConfForDirect ?? base.thresholds.minConfForDirect,
  };
  if (thresholds.lowConfidence > thresholds.minConfForDirect)
    throw new GatewayError(
      ErrorCode.ValidationFailed,
      `low_confidence (${thresholds.lowConfidence}) must not exceed min_conf_for_direct (${thresholds.minConfForDirect}).`,
      { param: change.lowConfidence !== undefined ? 'low_confidence' : 'min_conf_for_direct' },
    );
  const floors = { ...base.floors };
  for (const [label, floor] of Object.entries(change.floors ?? {})) {
    if (!(INTENT_LABELS as readonly string[]).includes(label) || label === 'safety_risk')
      throw new GatewayError(ErrorCode.ValidationFailed, `quality_floors: unknown label ${label}.`, {
        param: 'quality_floors',
      });
    if (floor === null) {
      delete floors[label as IntentLabel];
      continue;
    }
    if (typeof floor !== 'number' || !(floor >= 0 && floor <= 1))
      throw new GatewayError(
        ErrorCode.ValidationFailed,
        `quality_floors.${label} must be a number between 0 and 1 (or null: routing.yaml's floor).`,
        {
          param: 'quality_floors',
        },
      );
    floors[label as IntentLabel] = floor;
  }
  return { thresholds, floors };
}

/** The applied values as stored (the env values and no floors, version 0, when there are none). */
export async function readAppliedThresholds(
  dataSource: DataSource,
  config: AppConfig,
): Promise<AppliedThresholds> {
  const rows: StoredRow[] = await dataSource.query(
    `SELECT low_confidence, min_conf_for_direct, quality_floors, version
       FROM routing_threshold_overrides WHERE scope = 'platform'`,
  );
  const row = rows[0];
  return row
    ? {
        thresholds: {
          lowConfidence: Number(row.low_confidence),
          minConfForDirect: Number(row.min_conf_for_direct),
        },
        floors: row.quality_floors,
        version: row.version,
      }
    : {
        thresholds: {
          lowConfidence: config.intent.lowConfidence,
          minConfForDirect: config.intent.minConfForDirect,
        },
        floors: {},
        version: 0,
      };
}

/**
 * The store behind POST /admin/routing/thresholds/apply (docs/routing.md "Dynamic thresholds"):
 * one row in routing_threshold_overrides, loaded at start, installed in RoutingThresholdState,
 * and kept current on every replica like tenant policies are (an event over Redis; without
 * Redis on a shared Postgres, a poll of the row's version; a periodic reload as a safety net).
 * Nothing is ever applied without an admin's call.
 */
@Injectable()
export class ThresholdOverridesService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('RoutingThresholds');
  private readonly feed: ChangeFeed;

  constructor(
    private readonly dataSource: DataSource,
    private readonly state: RoutingThresholdState,
    private readonly policies: RoutingPolicyService,
    private readonly events: BillingEventsService,
    private readonly config: AppConfig,
  ) {
    this.feed = new ChangeFeed({
      events,
      onEvent: (event) => {
        if (event.type === 'routing_thresholds') void this.reload();
      },
      reloadAll: () => this.reload(),
      refreshIntervalMs: REFRESH_INTERVAL_MS,
      pollStamp: !events.distributed && config.databaseUrl !== null,
      readStamp: () => this.readVersion(),
      pollIntervalMs: CHANGE_POLL_INTERVAL_MS,
    });
  }

  async onModuleInit(): Promise<void> {
    await this.feed.start();
  }

  onModuleDestroy(): void {
    this.feed.stop();
  }

  view(): AppliedThresholdsView {
    const applied = this.state.current;
    return {
      object: 'routing.thresholds',
      low_confidence: applied.thresholds.lowConfidence,
      min_conf_for_direct: applied.thresholds.minConfForDirect,
      quality_floors: { ...applied.floors },
      version: applied.version,
      defaults: {
        low_confidence: this.config.intent.lowConfidence,
        min_conf_for_direct: this.config.intent.minConfForDirect,
      },
    };
  }

  /** Validates, stores (with its audit entry, in one transaction), applies here and announces it. */
  async apply(change: ThresholdChange, actor: AdminActor): Promise<AppliedThresholdsView> {
    const merged = mergeThresholdChange(this.state.current, change);
    const version = await this.dataSource.transaction(async (manager) => {
      const [row]: Array<{ version: number }> = await manager.query(
        `INSERT INTO routing_threshold_overrides (scope, low_confidence, min_conf_for_direct, quality_floors, updated_by)
         VALUES ('platform', $1, $2, $3::jsonb, $4)
         ON CONFLICT (scope) DO UPDATE
           SET low_confidence = EXCLUDED.low_confidence, min_conf_for_direct = EXCLUDED.min_conf_for_direct,
               quality_floors = EXCLUDED.quality_floors, updated_by = EXCLUDED.updated_by, updated_at = now(),
               version = routing_threshold_overrides.version + 1
         RETURNING version`,
        [
          merged.thresholds.lowConfidence,
          merged.thresholds.minConfForDirect,
          JSON.stringify(merged.floors),
          actor.name,
        ],
      );
      const previous = this.view();
      await writeAdminAudit(
        manager,
        actor,
        'routing.thresholds.apply',
        { type: 'routing', id: 'thresholds' },
        {
          before: {
            low_confidence: previous.low_confidence,
            min_conf_for_direct: previous.min_conf_for_direct,
            quality_floors: previous.quality_floors,
          },
          after: {
            low_confidence: merged.thresholds.lowConfidence,
            min_conf_for_direct: merged.thresholds.minConfForDirect,
            quality_floors: merged.floors,
          },
          version: row.version,
        },
      );
      return row.version;
    });
    this.state.set({ ...merged, version }, this.policies.policy);
    this.events.publish({ type: 'routing_thresholds' });
    return this.view();
  }

  private async reload(): Promise<void> {
    try {
      const applied = await readAppliedThresholds(this.dataSource, this.config);
      if (applied.version === this.state.current.version) return;
      this.state.set(applied, this.policies.policy);
    } catch (error) {
      this.logger.warn(`could not read the applied routing thresholds: ${(error as Error).message}`);
    }
  }

  /** The applied row's version (the change stamp polled without Redis); null when unreadable. */
  private async readVersion(): Promise<number | null> {
    try {
      const rows: Array<{ version: number }> = await this.dataSource.query(
        `SELECT version FROM routing_threshold_overrides WHERE scope = 'platform'`,
      );
      return rows[0]?.version ?? 0;
    } catch (error) {
      this.logger.warn(`could not poll the applied routing thresholds: ${(error as Error).message}`);
      return null;
    }
  }
}
