import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import type { TenantCacheSettings } from '../caching/chat-cache.service';
import { IsPrintableText, IsStorableJson } from '../common/validation';
import { PROVIDER_KEYS } from '../common/provider-keys';
import type { ProviderKey } from '../common/provider-keys';
import { PII_KINDS } from './pii';
import type { PiiKind } from './pii';
import { POLICY_ENDPOINTS } from './request-limits';
import type { PolicyEndpoint } from './request-limits';
import { PII_ACTIONS } from './tenant-policy';
import type { PiiAction } from './tenant-policy';

export class PiiPolicyDto {
  @IsIn(PII_ACTIONS) action!: PiiAction;
  @IsOptional() @IsArray() @ArrayMaxSize(PII_KINDS.length) @IsIn(PII_KINDS, { each: true }) kinds?: PiiKind[];
}

/** The tenant's response cache (omitted fields: the CACHE_* defaults). */
export class CachePolicyDto {
  @IsOptional() @IsBoolean() enabled?: boolean;
  @IsOptional() @IsIn(['exact', 'semantic']) mode?: 'exact' | 'semantic';
  /** Minimum similarity of a semantic hit (the guards apply whatever it is). */
  @IsOptional() @IsNumber() @Min(0.5) @Max(1) threshold?: number;
  @IsOptional() @IsInt() @Min(0) @Max(30 * 86_400) ttl_seconds?: number;
  @IsOptional() @IsInt() @Min(1) @Max(10_000_000) max_entries?: number;
  @IsOptional() @IsInt() @Min(1024) max_bytes?: number;
  /** Opt-in: tenants naming the same namespace share cached answers. */
  @IsOptional() @IsString() @Matches(/^[A-Za-z0-9_.-]{1,64}$/) shared_namespace?: string | null;
}

export function cacheSettingsFromDto(dto: CachePolicyDto): TenantCacheSettings {
  const settings: TenantCacheSettings = {};
  for (const key of [
    'enabled',
    'mode',
    'threshold',
    'ttl_seconds',
    'max_entries',
    'max_bytes',
    'shared_namespace',
  ] as const) {
    if (dto[key] !== undefined && dto[key] !== null) (settings as Record<string, unknown>)[key] = dto[key];
  }
  return settings;
}

/** Request features the tenant may use (omitted: allowed). */
export class FeaturesPolicyDto {
  @IsOptional() @IsBoolean() streaming?: boolean;
  @IsOptional() @IsBoolean() tools?: boolean;
  @IsOptional() @IsBoolean() images?: boolean;
}

/** The routing decision log (omitted fields: on, no prompt hash). */
export class DecisionLogPolicyDto {
  @IsOptional() @IsBoolean() enabled?: boolean;
  /** Opt-in: keep a SHA-256 of the prompt (deduplication), never its text. */
  @IsOptional() @IsBoolean() prompt_hash?: boolean;
}

/** Largest output cap a policy may set: beyond every catalog model's limit anyway. */
export const MAX_POLICY_OUTPUT_TOKENS = 1_000_000;

/**
 * PUT /admin/tenants/:id/policy, and the platform default policy (config/policy.yaml). Omitted
 * (or null) fields of a tenant policy take the platform default's values.
 */
export class TenantPolicyDto {
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(PROVIDER_KEYS.length)
  @IsIn(PROVIDER_KEYS, { each: true })
  allowed_providers?: ProviderKey[] | null;
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(500)
  @IsString({ each: true })
  @IsPrintableText({ each: true })
  allowed_models?: string[] | null;
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(500)
  @IsString({ each: true })
  @IsPrintableText({ each: true })
  blocked_models?: string[] | null;
  @IsOptional() @ValidateNested() @Type(() => PiiPolicyDto) pii?: PiiPolicyDto | null;
  @IsOptional() @IsIn(['refuse', 'allow']) safety_action?: 'refuse' | 'allow' | null;
  /** A partial config/routing.yaml (weights, default, intents, budget, …), validated like the file. */
  @IsOptional() @IsObject() @IsStorableJson() routing?: Record<string, unknown> | null;
  @IsOptional() @ValidateNested() @Type(() => CachePolicyDto) cache?: CachePolicyDto | null;
  @IsOptional() @IsInt() @Min(1) @Max(MAX_POLICY_OUTPUT_TOKENS) max_output_tokens?: number | null;
  @IsOptional() @ValidateNested() @Type(() => FeaturesPolicyDto) features?: FeaturesPolicyDto | null;
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(POLICY_ENDPOINTS.length)
  @IsIn(POLICY_ENDPOINTS, { each: true })
  allowed_endpoints?: PolicyEndpoint[] | null;
  @IsOptional()
  @ValidateNested()
  @Type(() => DecisionLogPolicyDto)
  decision_log?: DecisionLogPolicyDto | null;
}
