import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { noSuchResource } from '../../common/resource-id';
import { AppConfig } from '../../config/app-config';

const REFRESH_MS = 15_000;

/** A tenant's own shadow setting (routing_shadow_tenants), as the admin API shows it. */
export interface TenantShadowSetting {
  tenant_id: string;
  enabled: boolean;
  /** null: SHADOW_SAMPLE_RATE. */
  sample_rate: number | null;
  /** Shadow requests (opt-in): a sampled copy sent to the shadow target, paid from this budget only. */
  requests: { enabled: boolean; sample_rate: number; budget_usd: number; spent_usd: number };
  updated_at: string;
}

/** What the hot path needs: whether the tenant takes part, at which rates. */
export interface ShadowParticipation {
  rate: number;
  /** Sample rate of shadow requests (0: none). */
  requestRate: number;
}

export interface TenantShadowUpdate {
  enabled?: boolean;
  sample_rate?: number | null;
  requests?: { enabled?: boolean; sample_rate?: number; budget_usd?: number };
}

interface SettingRow {
  tenant_id: string;
  enabled: boolean;
  sample_rate: number | null;
  requests_enabled: boolean;
  requests_sample_rate: number;
  requests_budget_nano: string | number;
  requests_spent_nano: string | number;
  updated_at: Date | string;
}

const SELECT = `SELECT tenant_id, enabled, sample_rate, requests_enabled, requests_sample_rate,
                       requests_budget_nano, requests_spent_nano, updated_at
                  FROM routing_shadow_tenants`;

function toSetting(row: SettingRow): TenantShadowSetting {
  return {
    tenant_id: row.tenant_id,
    enabled: row.enabled,
    sample_rate: row.sample_rate === null ? null : Number(row.sample_rate),
    requests: {
      enabled: row.requests_enabled,
      sample_rate: Number(row.requests_sample_rate),
      budget_usd: Number(row.requests_budget_nano) / 1e9,
      spent_usd: Number(row.requests_spent_nano) / 1e9,
    },
    updated_at: new Date(row.updated_at).toISOString(),
  };
}

/** Who takes part, at which rate: the tenant's own setting over the SHADOW_* defaults. */
export function participation(
  defaults: { enabled: boolean; defaultOn: boolean; sampleRate: number },
  setting: TenantShadowSetting | undefined,
): ShadowParticipation | null {
  if (!defaults.enabled) return null;
  const on = setting ? setting.enabled : defaults.defaultOn;
  if (!on) return null;
  const rate = setting?.sample_rate ?? defaults.sampleRate;
  const requests = setting?.requests;
  const requestRate =
    requests?.enabled && requests.budget_usd > requests.spent_usd ? requests.sample_rate : 0;
  return rate > 0 || requestRate > 0 ? { rate, requestRate } : null;
}

/**
 * The tenants' shadow settings (routing_shadow_tenants): read at start-up and every 15 s (other
 * replicas' changes), so that the request path only looks a map up. The shadow request budget is
 * spent here, atomically, never from the tenant's budget.
 */
@Injectable()
export class ShadowSettingsService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('ShadowSettings');
  private settings = new Map<string, TenantShadowSetting>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly config: AppConfig,
    private readonly dataSource: DataSource,
  ) {}

  async onModuleInit(): Promise<void> {
    if (!this.config.shadow.enabled) return;
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), REFRESH_MS);
    this.timer.unref();
  }

  beforeApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** The hot path: a map lookup. */
  participation(tenantId: string): ShadowParticipation | null {
    return participation(this.config.shadow, this.settings.get(tenantId));
  }

  async refresh(): Promise<void> {
    try {
      const rows: SettingRow[] = await this.dataSource.query(SELECT);
      this.settings = new Map(rows.map((row) => [row.tenant_id, toSetting(row)]));
    } catch (error) {
      this.logger.warn(`shadow settings not refreshed: ${(error as Error).message}`);
    }
  }

  /** The tenant's setting (null: none of its own, the defaults apply). */
  async get(tenantId: string): Promise<TenantShadowSetting | null> {
    const rows: SettingRow[] = await this.dataSource.query(`${SELECT} WHERE tenant_id = $1`, [tenantId]);
    return rows[0] ? toSetting(rows[0]) : null;
  }

  /** Throws 404 for a tenant that does not exist. */
  async requireTenant(tenantId: string): Promise<void> {
    const tenants: unknown[] = await this.dataSource.query(`SELECT 1 FROM tenants WHERE id = $1`, [tenantId]);
    if (tenants.length === 0) throw noSuchResource('tenant', tenantId);
  }

  /** Creates or updates the tenant's setting (unset fields keep their value). */
  async put(tenantId: string, update: TenantShadowUpdate): Promise<TenantShadowSetting> {
    await this.requireTenant(tenantId);
    const current = await this.get(tenantId);
    // Fields left out (undefined, also on a validated DTO instance) keep their value.
    const given = Object.entries(update.requests ?? {}).filter(([, value]) => value !== undefined);
    const requests = {
      ...(current?.requests ?? { enabled: false, sample_rate: 0.01, budget_usd: 0 }),
      ...(Object.fromEntries(given) as TenantShadowUpdate['requests']),
    };
    const rows: SettingRow[] = await this.dataSource.query(
      `INSERT INTO routing_shadow_tenants AS t (tenant_id, enabled, sample_rate, requests_enabled,
                                               requests_sample_rate, requests_budget_nano)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (tenant_id) DO UPDATE SET enabled = $2, sample_rate = $3, requests_enabled = $4,
         requests_sample_rate = $5, requests_budget_nano = $6, updated_at = now()
       RETURNING tenant_id, enabled, sample_rate, requests_enabled, requests_sample_rate,
                 requests_budget_nano, requests_spent_nano, updated_at`,
      [
        tenantId,
        update.enabled ?? current?.enabled ?? true,
        update.sample_rate === undefined ? (current?.sample_rate ?? null) : update.sample_rate,
        requests.enabled,
        requests.sample_rate,
        Math.round(requests.budget_usd * 1e9),
      ],
    );
    const setting = toSetting(rows[0]);
    this.settings.set(tenantId, setting);
    return setting;
  }

  /**
   * Takes `nano` from the tenant's shadow request budget; false (nothing taken) when it does not
   * cover it or the tenant did not opt in.
   */
  async spend(tenantId: string, nano: number): Promise<boolean> {
    const result: unknown[] = await this.dataSource.query(
      `UPDATE routing_shadow_tenants SET requests_spent_nano = requests_spent_nano + $2
        WHERE tenant_id = $1 AND requests_enabled AND requests_spent_nano + $2 <= requests_budget_nano
        RETURNING tenant_id, enabled, sample_rate, requests_enabled, requests_sample_rate,
                  requests_budget_nano, requests_spent_nano, updated_at`,
      [tenantId, Math.max(0, Math.round(nano))],
    );
    // TypeORM answers an UPDATE on Postgres with [rows, count], on some drivers with the rows.
    const rows = (Array.isArray(result[0]) ? result[0] : result) as SettingRow[];
    if (rows[0]) this.settings.set(tenantId, toSetting(rows[0]));
    return rows.length > 0;
  }

  /** Settles a reservation: gives back (negative) or takes (positive) the difference. */
  async adjust(tenantId: string, deltaNano: number): Promise<void> {
    if (deltaNano === 0) return;
    await this.dataSource.query(
      `UPDATE routing_shadow_tenants SET requests_spent_nano = GREATEST(0, requests_spent_nano + $2) WHERE tenant_id = $1`,
      [tenantId, Math.round(deltaNano)],
    );
  }
}
