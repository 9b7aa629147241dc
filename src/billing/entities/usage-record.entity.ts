import { Column, Entity, PrimaryColumn } from 'typeorm';
import { INT8_AS_NUMBER } from './column-transformers';

/**
 * One request's usage. Written in batches by the usage writer with plain SQL (the entity exists
 * for the schema's documentation and ad-hoc queries); kept slim: ~120 bytes a row.
 */
@Entity({ name: 'usage_records' })
export class UsageRecordEntity {
  @PrimaryColumn({
    type: 'bigint',
    generated: 'identity',
    generatedIdentity: 'ALWAYS',
    transformer: INT8_AS_NUMBER,
  })
  id!: number;
  @Column({ name: 'request_id', type: 'varchar', length: 128 }) requestId!: string;
  @Column({ name: 'tenant_id', type: 'uuid' }) tenantId!: string;
  @Column({ name: 'api_key_id', type: 'uuid', nullable: true }) apiKeyId!: string | null;
  @Column({ type: 'varchar', length: 16 }) provider!: string;
  @Column({ type: 'varchar', length: 100 }) model!: string;
  @Column({ type: 'varchar', length: 16, nullable: true }) intent!: string | null;
  @Column({ name: 'prompt_tokens', type: 'integer', default: 0 }) promptTokens!: number;
  @Column({ name: 'completion_tokens', type: 'integer', default: 0 }) completionTokens!: number;
  @Column({ name: 'cached_tokens', type: 'integer', default: 0 }) cachedTokens!: number;
  @Column({ name: 'cost_nano', type: 'bigint', default: 0, transformer: INT8_AS_NUMBER }) costNano!: number;
  @Column({ name: 'saved_nano', type: 'bigint', default: 0, transformer: INT8_AS_NUMBER }) savedNano!: number;
  @Column({ name: 'latency_ms', type: 'integer', default: 0 }) latencyMs!: number;
  @Column({ type: 'smallint' }) status!: number;
  @Column({ name: 'cache_hit', type: 'boolean', default: false }) cacheHit!: boolean;
  @Column({ name: 'pricing_estimated', type: 'boolean', default: false }) pricingEstimated!: boolean;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  /** The error code of a refused request (no tokens, no cost); null for a served one. */
  @Column({ type: 'varchar', length: 32, nullable: true }) refusal!: string | null;
  /** The router chose the model (an upstream-answered chat call without an explicit model). */
  @Column({ name: 'auto_routed', type: 'boolean', default: false }) autoRouted!: boolean;
  /** A fallback of the routing chain answered instead of the decision's target. */
  @Column({ type: 'boolean', default: false }) fallback!: boolean;
}

/** Daily totals per tenant, provider, model and intent ('' = none), maintained by the usage writer. */
@Entity({ name: 'usage_daily' })
export class UsageDailyEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid' }) tenantId!: string;
  @PrimaryColumn({ type: 'date' }) day!: string;
  @PrimaryColumn({ type: 'varchar', length: 16 }) provider!: string;
  @PrimaryColumn({ type: 'varchar', length: 100 }) model!: string;
  @PrimaryColumn({ type: 'varchar', length: 16, default: '' }) intent!: string;
  @Column({ type: 'bigint', default: 0, transformer: INT8_AS_NUMBER }) requests!: number;
  @Column({ type: 'bigint', default: 0, transformer: INT8_AS_NUMBER }) errors!: number;
  @Column({ name: 'cache_hits', type: 'bigint', default: 0, transformer: INT8_AS_NUMBER }) cacheHits!: number;
  @Column({ type: 'bigint', default: 0, transformer: INT8_AS_NUMBER }) refusals!: number;
  @Column({ name: 'prompt_tokens', type: 'bigint', default: 0, transformer: INT8_AS_NUMBER })
  promptTokens!: number;
  @Column({ name: 'completion_tokens', type: 'bigint', default: 0, transformer: INT8_AS_NUMBER })
  completionTokens!: number;
  @Column({ name: 'cached_tokens', type: 'bigint', default: 0, transformer: INT8_AS_NUMBER })
  cachedTokens!: number;
  @Column({ name: 'cost_nano', type: 'bigint', default: 0, transformer: INT8_AS_NUMBER }) costNano!: number;
  @Column({ name: 'saved_nano', type: 'bigint', default: 0, transformer: INT8_AS_NUMBER }) savedNano!: number;
  @Column({ name: 'estimated_price_requests', type: 'bigint', default: 0, transformer: INT8_AS_NUMBER })
  estimatedPriceRequests!: number;
}
