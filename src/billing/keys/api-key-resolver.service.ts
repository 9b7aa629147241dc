import { BeforeApplicationShutdown, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ApiKeyResolver, Principal } from '../../auth/auth.types';
import { ErrorCode, GatewayError } from '../../common/errors';
import { AppConfig } from '../../config/app-config';
import { BillingEventsService, type BillingEvent } from '../events/billing-events.service';
import { ApiKeyHasher, looksLikeDatabaseKey } from './api-key-secret';
import { TtlCache } from './ttl-cache';

/** Resolved keys kept in memory (a Principal is ~200 bytes: 50k keys ≈ 10 MB at most). */
const POSITIVE_CAPACITY = 50_000;
/** Unknown keys remembered separately, so a flood of made-up keys cannot evict real ones. */
const NEGATIVE_CAPACITY = 10_000;
/** last_used_at is written in one batched UPDATE at this interval (and at shutdown). */
const LAST_USED_FLUSH_MS = 15_000;

/** Why a known key is refused; turned into a fresh GatewayError on every use. */
export interface Denial {
  denied: ErrorCode.InvalidApiKey | ErrorCode.TenantSuspended;
  message: string;
  tenantId: string;
}

export type Resolution = Principal | Denial;

export interface KeyRow {
  id: string;
  key_hash: string;
  status: string;
  expires_at: Date | string | null;
  tenant_id: string;
  tenant_name: string;
  tenant_status: string;
  rate_limit_rpm: number | null;
}

export function isDenial(value: Resolution): value is Denial {
  return (value as Denial).denied !== undefined;
}

/**
 * API_KEY_RESOLVER for database keys. The hot path is one HMAC (~2 µs) and a Map lookup:
 * resolutions (including refusals and unknown keys) are cached for KEY_CACHE_TTL_MS, bounded,
 * with concurrent misses for one key sharing a single query. Revocations, suspensions and key
 * changes are pushed to every replica through BillingEventsService (Redis pub/sub) and applied
 * at once; the TTL bounds staleness when Redis is absent or a message was lost.
 */
@Injectable()
export class DatabaseApiKeyResolver
  implements ApiKeyResolver, OnModuleInit, OnModuleDestroy, BeforeApplicationShutdown
{
  private readonly logger = new Logger('ApiKeyResolver');
  private readonly hasher: ApiKeyHasher;
  private readonly ttlMs: number;
  private readonly defaultRpm: number;
  private readonly resolved = new TtlCache<Resolution>(POSITIVE_CAPACITY);
  private readonly unknown = new TtlCache<true>(NEGATIVE_CAPACITY);
  private readonly inflight = new Map<string, Promise<Resolution | null>>();
  /** keyId → last use (ms), written in batches. */
  private lastUsed = new Map<string, number>();
  private flushTimer: NodeJS.Timeout | null = null;

  constructor(
    config: AppConfig,
    private readonly dataSource: DataSource,
    private readonly events: BillingEventsService,
  ) {
    this.hasher = new ApiKeyHasher(config.apiKeyHashSecret);
    this.ttlMs = config.keyCacheTtlMs;
    this.defaultRpm = config.billing.rateLimitPerMinute;
    if (!config.apiKeyHashSecret && !config.features.staticApiKeys) {
      this.logger.warn('API_KEY_HASH_SECRET is not set: key digests use the built-in HMAC key');
    }
  }

  onModuleInit(): void {
    this.events.subscribe((event) => this.invalidate(event));
    this.flushTimer = setInterval(() => void this.flushLastUsed(), LAST_USED_FLUSH_MS);
    this.flushTimer.unref();
  }

  onModuleDestroy(): void {
    if (this.flushTimer) clearInterval(this.flushTimer);
    this.flushTimer = null;
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.flushLastUsed();
  }

  digest(key: string): string {
    return this.hasher.digest(key);
  }

  async resolve(presentedKey: string): Promise<Principal | null> {
    if (!looksLikeDatabaseKey(presentedKey)) return null;
    const hash = this.hasher.digest(presentedKey);
    const now = Date.now();
    const cached = this.resolved.get(hash, now);
    if (cached !== undefined) return this.use(cached, now);
    if (this.unknown.get(hash, now)) return null;
    let pending = this.inflight.get(hash);
    if (!pending) {
      pending = this.load(hash).finally(() => this.inflight.delete(hash));
      this.inflight.set(hash, pending);
    }
    const resolution = await pending;
    return resolution === null ? null : this.use(resolution, Date.now());
  }

  /** Drops what an event made stale. Public for the admin service's own replica. */
  invalidate(event: BillingEvent): void {
    switch (event.type) {
      case 'key':
        this.resolved.delete(event.keyHash);
        this.unknown.delete(event.keyHash);
        return;
      case 'tenant':
        this.resolved.deleteWhere((value) => value.tenantId === event.tenantId);
        return;
      case 'resync':
        this.resolved.clear();
        this.unknown.clear();
        return;
      case 'budget':
        return;
    }
  }

  /** Writes the batched last_used_at values (one UPDATE for all keys used since the last flush). */
  async flushLastUsed(): Promise<void> {
    if (this.lastUsed.size === 0) return;
    const batch = this.lastUsed;
    this.lastUsed = new Map();
    const ids = [...batch.keys()];
    const times = ids.map((id) => new Date(batch.get(id) ?? 0).toISOString());
    try {
      await this.dataSource.query(
        `UPDATE api_keys AS k SET last_used_at = v.used_at
           FROM unnest($1::uuid[], $2::timestamptz[]) AS v(id, used_at)
          WHERE k.id = v.id AND (k.last_used_at IS NULL OR k.last_used_at < v.used_at)`,
        [ids, times],
      );
    } catch (error) {
      // Keep the newest value per key for the next attempt.
      for (const [id, at] of batch) this.lastUsed.set(id, Math.max(at, this.lastUsed.get(id) ?? 0));
      this.logger.warn(`last_used_at update failed (will retry): ${(error as Error).message}`);
    }
  }

  private use(resolution: Resolution, now: number): Principal {
    if (isDenial(resolution)) throw new GatewayError(resolution.denied, resolution.message);
    if (resolution.keyId) this.lastUsed.set(resolution.keyId, now);
    return resolution;
  }

  private async load(hash: string): Promise<Resolution | null> {
    let rows: KeyRow[];
    try {
      rows = await this.dataSource.query(
        `SELECT k.id, k.key_hash, k.status, k.expires_at, t.id AS tenant_id, t.name AS tenant_name,
                t.status AS tenant_status, t.rate_limit_rpm
           FROM api_keys k JOIN tenants t ON t.id = k.tenant_id
          WHERE k.key_hash = $1`,
        [hash],
      );
    } catch (error) {
      this.logger.error(`API key lookup failed: ${(error as Error).message}`);
      throw new GatewayError(
        ErrorCode.ServiceUnavailable,
        'Could not verify the API key right now; retry shortly.',
        {
          retryAfter: 1,
          cause: error,
        },
      );
    }
    const now = Date.now();
    const row = rows[0];
    // The index lookup already matched; the constant-time check guards against any collation surprise.
    if (!row || !ApiKeyHasher.equal(row.key_hash.trim(), hash)) {
      if (this.ttlMs > 0) this.unknown.set(hash, true, now + this.ttlMs);
      return null;
    }
    const { resolution, validUntil } = resolutionOf(row, now, this.defaultRpm);
    if (this.ttlMs > 0) this.resolved.set(hash, resolution, Math.min(now + this.ttlMs, validUntil));
    return resolution;
  }
}

/** Decides what a key row means now; `validUntil` caps the cache entry at the key's expiry. */
export function resolutionOf(
  row: KeyRow,
  now: number,
  defaultRpm: number,
): { resolution: Resolution; validUntil: number } {
  const expiresAt = row.expires_at === null ? null : new Date(row.expires_at).getTime();
  if (row.status !== 'active') {
    return {
      resolution: {
        denied: ErrorCode.InvalidApiKey,
        message: 'This API key has been revoked.',
        tenantId: row.tenant_id,
      },
      validUntil: Infinity,
    };
  }
  if (expiresAt !== null && expiresAt <= now) {
    return {
      resolution: {
        denied: ErrorCode.InvalidApiKey,
        message: `This API key expired at ${new Date(expiresAt).toISOString()}.`,
        tenantId: row.tenant_id,
      },
      validUntil: Infinity,
    };
  }
  if (row.tenant_status !== 'active') {
    return {
      resolution: {
        denied: ErrorCode.TenantSuspended,
        message: `The tenant "${row.tenant_name}" of this API key is suspended.`,
        tenantId: row.tenant_id,
      },
      validUntil: expiresAt ?? Infinity,
    };
  }
  const principal: Principal = Object.freeze({
    tenantId: row.tenant_id,
    tenantName: row.tenant_name,
    keyId: row.id,
    source: 'database' as const,
    rateLimitPerMinute: row.rate_limit_rpm ?? defaultRpm,
    rateLimitKey: row.id,
  });
  return { resolution: principal, validUntil: expiresAt ?? Infinity };
}
