import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsObject, IsOptional, IsString, ValidateNested } from 'class-validator';
import { IsPrintableText, IsStorableJson } from '../common/validation';
import { PROVIDER_KEYS } from '../common/provider-keys';
import type { ProviderKey } from '../common/provider-keys';
import { PII_KINDS } from './pii';
import type { PiiKind } from './pii';
import { PII_ACTIONS } from './tenant-policy';
import type { PiiAction } from './tenant-policy';

export class PiiPolicyDto {
  @IsIn(PII_ACTIONS) action!: PiiAction;
  @IsOptional() @IsArray() @ArrayMaxSize(PII_KINDS.length) @IsIn(PII_KINDS, { each: true }) kinds?: PiiKind[];
}

/** PUT /admin/tenants/:id/policy. Omitted (or null) fields take their defaults. */
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
}
