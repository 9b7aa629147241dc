import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ErrorCode, GatewayError } from '../common/errors';
import type { ProviderKey } from '../common/provider-keys';
import { isPlain, readYamlFile, RoutingConfigError } from '../routing/config-reader';
import type { ModelCatalog } from '../routing/model-catalog';
import type { RoutingPolicyOverride } from '../routing/routing-policy';
import { PII_KINDS } from './pii';
import { cacheSettingsFromDto, TenantPolicyDto } from './policy.dto';
import { ALL_FEATURES } from './request-limits';
import { DEFAULT_DECISION_LOG_POLICY, DEFAULT_TENANT_POLICY, type TenantPolicy } from './tenant-policy';

/**
 * A policy from its DTO (the admin API's PUT body, or config/policy.yaml's `default:`). A field
 * the DTO omits takes `base`'s value — the platform default policy for a tenant, the built-in
 * permissive policy for the platform default itself; a field set to null takes the built-in
 * value (no restriction), so a tenant can be exempted from a platform-wide rule explicitly.
 * Refuses models the catalog does not know (a typo in an allow-list would allow nothing).
 */
export function policyFromDto(dto: TenantPolicyDto, base: TenantPolicy, catalog: ModelCatalog): TenantPolicy {
  assertKnownModels(dto, catalog);
  const builtIn = DEFAULT_TENANT_POLICY;
  const pick = <K extends keyof TenantPolicy>(key: K, value: TenantPolicy[K] | null | undefined) =>
    value === undefined ? (base[key] ?? builtIn[key]) : value === null ? builtIn[key] : value;
  return {
    allowed_providers: pick('allowed_providers', dto.allowed_providers as ProviderKey[] | null | undefined),
    allowed_models: pick('allowed_models', dto.allowed_models),
    blocked_models: pick('blocked_models', dto.blocked_models),
    pii: dto.pii ? { action: dto.pii.action, kinds: dto.pii.kinds ?? [...PII_KINDS] } : pick('pii', dto.pii),
    safety_action: pick('safety_action', dto.safety_action),
    routing: pick('routing', dto.routing as RoutingPolicyOverride | null | undefined),
    cache: dto.cache ? cacheSettingsFromDto(dto.cache) : (pick('cache', dto.cache) ?? null),
    max_output_tokens: pick('max_output_tokens', dto.max_output_tokens),
    features: dto.features
      ? { ...ALL_FEATURES, ...(base.features ?? {}), ...definedOnly(dto.features) }
      : pick('features', dto.features),
    allowed_endpoints: pick('allowed_endpoints', dto.allowed_endpoints),
    decision_log: dto.decision_log
      ? { ...DEFAULT_DECISION_LOG_POLICY, ...(base.decision_log ?? {}), ...definedOnly(dto.decision_log) }
      : pick('decision_log', dto.decision_log),
  };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>;
}

function assertKnownModels(dto: TenantPolicyDto, catalog: ModelCatalog): void {
  const unknown = [...(dto.allowed_models ?? []), ...(dto.blocked_models ?? [])].filter(
    (name) => !catalog.resolveRequest(name) && !catalog.resolveEmbedding(name),
  );
  if (unknown.length === 0) return;
  throw new GatewayError(
    ErrorCode.ValidationFailed,
    `Unknown model(s) in the policy: ${unknown.join(', ')}.`,
    {
      param: dto.allowed_models?.some((name) => unknown.includes(name)) ? 'allowed_models' : 'blocked_models',
    },
  );
}

function describeErrors(errors: ValidationError[], path = ''): string[] {
  return errors.flatMap((error) => {
    const where = path ? `${path}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((text) => `${where}: ${text}`);
    return [...own, ...describeErrors(error.children ?? [], where)];
  });
}

/**
 * The platform default policy: `default:` of the policy file (config/policy.yaml), validated
 * like a PUT body of the admin API (unknown fields are errors). It applies to every tenant
 * without a policy of its own, and fills the fields a tenant policy omits. A missing file means
 * the built-in permissive policy; an invalid one stops the start (RoutingConfigError).
 */
export function loadPlatformPolicy(file: string, catalog: ModelCatalog): TenantPolicy {
  if (!existsSync(resolve(process.cwd(), file))) return DEFAULT_TENANT_POLICY;
  const raw = readYamlFile(file);
  if (raw === null || raw === undefined) return DEFAULT_TENANT_POLICY;
  if (!isPlain(raw) || Object.keys(raw).some((key) => key !== 'default')) {
    throw new RoutingConfigError(file, ['expected a mapping with one key, `default:` (the platform policy)']);
  }
  const dto = plainToInstance(TenantPolicyDto, raw.default ?? {});
  const problems = describeErrors(validateSync(dto, { whitelist: true, forbidNonWhitelisted: true }));
  if (problems.length > 0)
    throw new RoutingConfigError(
      file,
      problems.map((p) => `default.${p}`),
    );
  try {
    return policyFromDto(dto, DEFAULT_TENANT_POLICY, catalog);
  } catch (error) {
    if (error instanceof GatewayError) throw new RoutingConfigError(file, [`default: ${error.message}`]);
    throw error;
  }
}
