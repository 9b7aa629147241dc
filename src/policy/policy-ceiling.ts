import type { TenantPolicy } from './tenant-policy';

/**
 * What a tenant admin may do to its tenant's policy: narrow it within the platform admin's
 * policy (the ceiling), never widen it. "At least as strict", field by field:
 * - allowed_providers, allowed_models: a subset of the ceiling's list (no list = everything,
 *   so under a ceiling list the tenant admin must send a list too);
 * - blocked_models: a superset of the ceiling's;
 * - pii: an action at least as strict (off < redact < block) covering at least the ceiling's
 *   kinds (when the ceiling's action is off, anything);
 * - safety_action: allow < null (config/routing.yaml's action) < refuse;
 * - cache: the ceiling's settings, except that caching may be turned off (`enabled: false`);
 * - max_output_tokens: at most the ceiling's (null = no cap, so under a cap a number is needed);
 * - features: a feature the ceiling turns off stays off (others may be turned off);
 * - allowed_endpoints: a subset of the ceiling's (null = all);
 * - every other field (routing overrides, and any field added later): equal to the ceiling's.
 * Models are compared by their canonical catalog id (aliases name the same model).
 */
export type CanonicalModel = (name: string) => string;

export interface CeilingViolation {
  field: string;
  message: string;
}

type Rule = (ceiling: unknown, proposed: unknown, canonical: CanonicalModel) => string | null;

const PII_STRICTNESS: Record<string, number> = { off: 0, redact: 1, block: 2 };

function safetyStrictness(action: unknown): number {
  if (action === 'refuse') return 2;
  return action === 'allow' ? 0 : 1;
}

function missing(
  ceiling: readonly string[],
  proposed: readonly string[],
  canonical: CanonicalModel,
): string[] {
  const have = new Set(proposed.map(canonical));
  return ceiling.filter((name) => !have.has(canonical(name)));
}

function allowListWithin(label: string): Rule {
  return (ceiling, proposed, canonical) => {
    if (ceiling === null || ceiling === undefined) return null;
    if (!Array.isArray(proposed))
      return `the platform admin allows only ${label} [${(ceiling as string[]).join(', ')}]: send a subset`;
    const extra = missing(proposed as string[], ceiling as string[], canonical);
    return extra.length === 0 ? null : `${extra.join(', ')} not allowed by the platform admin`;
  };
}

const blockListWithin: Rule = (ceiling, proposed, canonical) => {
  const dropped = missing((ceiling ?? []) as string[], (proposed ?? []) as string[], canonical);
  return dropped.length === 0
    ? null
    : `${dropped.join(', ')} must stay blocked (the platform admin blocks them)`;
};

const piiWithin: Rule = (ceiling, proposed) => {
  const limit = ceiling as TenantPolicy['pii'];
  const wanted = proposed as TenantPolicy['pii'];
  if (PII_STRICTNESS[limit.action] === 0) return null;
  if (PII_STRICTNESS[wanted.action] < PII_STRICTNESS[limit.action]) {
    return `action ${wanted.action} is weaker than the platform admin's ${limit.action}`;
  }
  const dropped = limit.kinds.filter((kind) => !wanted.kinds.includes(kind));
  return dropped.length === 0
    ? null
    : `kinds must include ${dropped.join(', ')} (the platform admin screens them)`;
};

const safetyWithin: Rule = (ceiling, proposed) =>
  safetyStrictness(proposed) >= safetyStrictness(ceiling)
    ? null
    : `${String(proposed)} is weaker than the platform admin's ${String(ceiling ?? 'null (the routing default)')}`;

const cacheWithin: Rule = (ceiling, proposed) => {
  const limit = (ceiling ?? {}) as Record<string, unknown>;
  const wanted = (proposed ?? {}) as Record<string, unknown>;
  if (wanted.enabled === false) {
    const { enabled: _limitEnabled, ...limitRest } = limit;
    const { enabled: _wantedEnabled, ...wantedRest } = wanted;
    return sameJson(limitRest, wantedRest)
      ? null
      : "only `enabled: false` may differ from the platform admin's cache settings";
  }
  return sameJson(limit, wanted)
    ? null
    : "only `enabled: false` may differ from the platform admin's cache settings";
};

const maxTokensWithin: Rule = (ceiling, proposed) => {
  if (typeof ceiling !== 'number') return null;
  if (typeof proposed === 'number' && proposed <= ceiling) return null;
  return `at most ${ceiling} (the platform admin's cap)`;
};

const featuresWithin: Rule = (ceiling, proposed) => {
  const limit = (ceiling ?? {}) as Record<string, boolean>;
  const wanted = (proposed ?? {}) as Record<string, boolean>;
  const reopened = Object.keys(limit).filter(
    (feature) => limit[feature] === false && wanted[feature] !== false,
  );
  return reopened.length === 0
    ? null
    : `${reopened.join(', ')} must stay off (the platform admin turns them off)`;
};

const RULES: Record<string, Rule> = {
  allowed_providers: allowListWithin('the providers'),
  allowed_models: allowListWithin('the models'),
  allowed_endpoints: allowListWithin('the endpoints'),
  max_output_tokens: maxTokensWithin,
  features: featuresWithin,
  blocked_models: blockListWithin,
  pii: piiWithin,
  safety_action: safetyWithin,
  cache: cacheWithin,
};

/** JSON equality with null, undefined and absent treated alike, key order ignored. */
export function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(normalised(a)) === JSON.stringify(normalised(b));
}

function normalised(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (Array.isArray(value)) return value.map(normalised);
  if (typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, field]) => field !== undefined && field !== null)
    .sort(([a], [b]) => a.localeCompare(b));
  return Object.fromEntries(entries.map(([key, field]) => [key, normalised(field)]));
}

/** Every way `proposed` is wider than `ceiling` (empty: the tenant admin may store it). */
export function ceilingViolations(
  ceiling: TenantPolicy,
  proposed: TenantPolicy,
  canonical: CanonicalModel,
): CeilingViolation[] {
  const limits = ceiling as unknown as Record<string, unknown>;
  const wanted = proposed as unknown as Record<string, unknown>;
  const fields = [...new Set([...Object.keys(limits), ...Object.keys(wanted)])].sort();
  const violations: CeilingViolation[] = [];
  for (const field of fields) {
    const rule = RULES[field];
    const message = rule
      ? rule(limits[field], wanted[field], canonical)
      : sameJson(limits[field], wanted[field])
        ? null
        : 'only a platform admin may change it';
    if (message !== null) violations.push({ field, message });
  }
  return violations;
}
