import { costNanoUsd, nanoToUsd } from '../common/pricing';
import { ErrorCode } from '../common/errors';
import type { IntentLabel } from '../common/intent-labels';
import { TIER_RANK, TOP_TIER_RANK } from './model-catalog';
import type { CatalogEntry, ModelCatalog, ModelResolution } from './model-catalog';
import { unknownModelMessage } from './model-resolver';
import type { RouteRule, RoutingPolicy } from './routing-policy';
import type {
  ModelCapabilities,
  CandidateReport,
  RouteTarget,
  RoutingDecision,
  RoutingFailure,
  RoutingInput,
  RoutingReasonKind,
} from './routing.types';
import type { ProviderAvailability } from '../providers/provider.types';

/**
 * The routing decision: pure functions over the catalog, the policy and the provider state.
 * No I/O, no clock, no randomness: the same inputs always give the same decision (the table
 * tests in routing-decision.spec.ts rely on it, and so does /v1/router/explain).
 */

export interface RoutingThresholds {
  /** Below this confidence the label is not trusted: default route (INTENT_LOW_CONFIDENCE). */
  lowConfidence: number;
  /** At or above this confidence the intent's direct route applies (INTENT_MIN_CONF_FOR_DIRECT). */
  minConfForDirect: number;
}

/** Why a model cannot take this request. `availability` ones are not the client's fault. */
interface Exclusion {
  code: ErrorCode;
  param: string | null;
  text: string;
  availability: boolean;
}

/** One catalog model evaluated for one request. */
interface Candidate {
  entry: CatalogEntry;
  exclusion: Exclusion | null;
  quality: number;
  costNano: number;
  score: number | null;
  note: string;
}

type QualityMeasure = IntentLabel | 'general';

const TIER_NAMES_BY_RANK = ['economy', 'standard', 'premium'];

/** The tier a floor stands for: the rule's own tier when unchanged (reasoning stays reasoning). */
function floorName(rule: RouteRule, floor: number): string {
  return TIER_RANK[rule.preferred_tier] === floor ? rule.preferred_tier : TIER_NAMES_BY_RANK[floor];
}

function qualityOf(entry: CatalogEntry, measure: QualityMeasure): number {
  return measure === 'general' ? entry.generalQuality : entry.spec.quality[measure];
}

function round(value: number, digits = 4): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function percent(ratio: number): string {
  return `${Math.round(ratio * 1000) / 10}%`;
}

/** A capability the request needs and the error a model without it stands for. */
interface CapabilityRequirement {
  needs: 'needsVision' | 'needsTools' | 'needsJsonMode' | 'needsStreaming';
  capability: keyof ModelCapabilities;
  code: ErrorCode;
  param: string;
  text: string;
}

const CAPABILITY_REQUIREMENTS: readonly CapabilityRequirement[] = [
  {
    needs: 'needsVision',
    capability: 'vision',
    code: ErrorCode.InvalidRequest,
    param: 'messages',
    text: 'no image input support',
  },
  {
    needs: 'needsTools',
    capability: 'tools',
    code: ErrorCode.UnsupportedParameter,
    param: 'tools',
    text: 'no tool support',
  },
  {
    needs: 'needsJsonMode',
    capability: 'json_mode',
    code: ErrorCode.UnsupportedParameter,
    param: 'response_format',
    text: 'no JSON mode',
  },
  {
    needs: 'needsStreaming',
    capability: 'streaming',
    code: ErrorCode.UnsupportedParameter,
    param: 'stream',
    text: 'no streaming support',
  },
];

/** What the request itself rules out on this model (the client's to fix: a 4xx), if anything. */
function requestExclusion(
  entry: CatalogEntry,
  input: RoutingInput,
  outputForContext: number,
): Exclusion | null {
  const spec = entry.spec;
  for (const requirement of CAPABILITY_REQUIREMENTS) {
    if (input[requirement.needs] && !spec.capabilities[requirement.capability]) {
      const { code, param, text } = requirement;
      return { code, param, text, availability: false };
    }
  }
  const requested = input.requestedMaxOutputTokens;
  if (requested !== null && requested > spec.max_output_tokens) {
    return {
      code: ErrorCode.InvalidRequest,
      param: 'max_tokens',
      text: `max_tokens ${requested} exceeds the model's max output ${spec.max_output_tokens}`,
      availability: false,
    };
  }
  const prompt = input.estimatedPromptTokens;
  if (prompt > entry.maxInputTokens || prompt + outputForContext > spec.context_window) {
    return {
      code: ErrorCode.ContextLengthExceeded,
      param: 'messages',
      text:
        prompt > entry.maxInputTokens
          ? `context overflow: ~${prompt} prompt tokens > max input ${entry.maxInputTokens}`
          : `context overflow: ~${prompt} prompt + ${outputForContext} output tokens > ${spec.context_window}`,
      availability: false,
    };
  }
  return null;
}

/**
 * A discovered model picked by the router (not named by the client) must be known to have what the
 * request needs: a capability neither /model/info nor models.yaml states counts as absent.
 */
function unstatedCapability(entry: CatalogEntry, input: RoutingInput): Exclusion | null {
  const auto = entry.autoRouting;
  if (!auto?.candidate || auto.unknownCapabilities.length === 0) return null;
  for (const requirement of CAPABILITY_REQUIREMENTS) {
    if (input[requirement.needs] && auto.unknownCapabilities.includes(requirement.capability)) {
      const { code, param, text } = requirement;
      return {
        code,
        param,
        text: `${text} known (stated by neither /model/info nor models.yaml)`,
        availability: false,
      };
    }
  }
  return null;
}

/**
 * The tenant's allow-list for models the catalog does not list (pass-through and discovered):
 * catalog models outside it are already in `exclude_models` (src/policy/tenant-policy.ts).
 */
export function allowedByPolicy(entry: CatalogEntry, allow: RoutingPolicy['allow_only']): boolean {
  if (!allow) return true;
  if (allow.providers && !allow.providers.includes(entry.spec.provider)) return false;
  if (allow.models && !allow.models.some((id) => id.toLowerCase() === entry.spec.id.toLowerCase()))
    return false;
  return true;
}

/**
 * Hard requirements, then availability; the first failure is reported. The request's own
 * requirements come first, so that "no model can take this request" (400) is told apart from
 * "the models that could are down, unconfigured or excluded" (503) whatever the deployment.
 */
function exclusionFor(
  entry: CatalogEntry,
  input: RoutingInput,
  availability: ProviderAvailability,
  excluded: ReadonlySet<string> | null,
  outputForContext: number,
  policyAllow: RoutingPolicy['allow_only'] = null,
  byName = false,
): Exclusion | null {
  const spec = entry.spec;
  const byRequest =
    requestExclusion(entry, input, outputForContext) ?? (byName ? null : unstatedCapability(entry, input));
  if (byRequest) return byRequest;
  if (excluded?.has(spec.id) || (entry.dynamic && !allowedByPolicy(entry, policyAllow))) {
    return { code: ErrorCode.ModelNotFound, param: 'model', text: 'excluded by policy', availability: true };
  }
  if (!availability.isProviderConfigured(spec.provider)) {
    return {
      code: ErrorCode.NoProviderAvailable,
      param: null,
      text: `provider ${spec.provider} is not configured`,
      availability: true,
    };
  }
  if (availability.isCircuitOpen(entry.target)) {
    return { code: ErrorCode.NoProviderAvailable, param: null, text: 'circuit open', availability: true };
  }
  return null;
}

function evaluateAll(
  catalog: ModelCatalog,
  input: RoutingInput,
  policy: RoutingPolicy,
  availability: ProviderAvailability,
  measure: QualityMeasure,
  expectedOutput: number,
  extra: CatalogEntry | null = null,
  pool: readonly CatalogEntry[] = catalog.entries(),
): Candidate[] {
  let excluded: Set<string> | null = null;
  if (policy.exclude_models.length > 0) {
    excluded = new Set();
    for (const name of policy.exclude_models) {
      const spec = catalog.resolveRequest(name)?.entry.spec;
      if (spec) excluded.add(spec.id);
    }
  }
  const requested = input.requestedMaxOutputTokens;
  // A model the catalog does not list (pass-through, discovered) is evaluated when asked for by name.
  const entries = extra && extra.dynamic ? [...pool, extra] : pool;
  const candidates: Candidate[] = new Array<Candidate>(entries.length);
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    // The client's max bounds the answer; otherwise the policy's expectation (reasoning models
    // spend hidden output tokens on top of it).
    const completion = requested ?? Math.round(expectedOutput * entry.outputFactor);
    const outputForContext = requested ?? Math.min(completion, entry.spec.max_output_tokens);
    candidates[i] = {
      entry,
      exclusion: exclusionFor(
        entry,
        input,
        availability,
        excluded,
        outputForContext,
        policy.allow_only,
        entry === extra,
      ),
      quality: qualityOf(entry, measure),
      costNano: costNanoUsd(entry.spec.pricing, {
        promptTokens: input.estimatedPromptTokens,
        completionTokens: completion,
      }),
      score: null,
      note: '',
    };
  }
  return candidates;
}

/**
 * Deterministic ranking: higher score, then cheaper, then higher quality, then the exact
 * preferred tier, then a catalog model before a discovered one (a LiteLLM deployment of a catalog
 * model at the same price), then id.
 */
function byRank(preferredTier: string) {
  return (a: Candidate, b: Candidate): number =>
    (b.score ?? -1) - (a.score ?? -1) ||
    a.costNano - b.costNano ||
    b.quality - a.quality ||
    Number(b.entry.spec.tier === preferredTier) - Number(a.entry.spec.tier === preferredTier) ||
    Number(a.entry.dynamic) - Number(b.entry.dynamic) ||
    (a.entry.spec.id < b.entry.spec.id ? -1 : a.entry.spec.id > b.entry.spec.id ? 1 : 0);
}

/** Score = normalised weights × (quality, relative cheapness against the cheapest in the pool). */
function scoreAll(candidates: Candidate[], pool: Candidate[], policy: RoutingPolicy): void {
  let minCost = Infinity;
  for (const c of pool) if (c.costNano < minCost) minCost = c.costNano;
  const total = policy.weights.cost + policy.weights.quality;
  const wCost = policy.weights.cost / total;
  const wQuality = policy.weights.quality / total;
  for (const c of candidates) {
    if (c.exclusion) continue;
    // +1 nano-USD keeps free (self-hosted) models finite; cheaper-than-pool models cap at 1.
    const cheapness = Math.min(1, (minCost + 1) / (c.costNano + 1));
    c.score = wQuality * c.quality + wCost * cheapness;
  }
}

/** Ordered, deduplicated fallback chain; optionally makes room for another provider. */
function chooseFallbacks(target: Candidate, ordered: Candidate[], policy: RoutingPolicy): Candidate[] {
  const max = policy.fallbacks.max;
  const chain: Candidate[] = [];
  const seen = new Set<string>([target.entry.spec.id]);
  for (const c of ordered) {
    if (chain.length >= max) break;
    if (seen.has(c.entry.spec.id)) continue;
    seen.add(c.entry.spec.id);
    chain.push(c);
  }
  if (max > 0 && policy.fallbacks.prefer_other_provider) {
    const provider = target.entry.spec.provider;
    if (!chain.some((c) => c.entry.spec.provider !== provider)) {
      const other = ordered.find((c) => c.entry.spec.provider !== provider && !seen.has(c.entry.spec.id));
      if (other) {
        if (chain.length >= max) chain.pop();
        chain.push(other);
      }
    }
  }
  return chain;
}

function failureFromExclusions(candidates: Candidate[], input: RoutingInput): RoutingFailure {
  const blocked = candidates.filter((c) => c.exclusion && !c.exclusion.availability);
  if (blocked.length === 0 || blocked.length < candidates.length) {
    // At least one model could take the request but is down, unconfigured or excluded.
    const reasons = [...new Set(candidates.map((c) => c.exclusion?.text).filter(Boolean))].slice(0, 3);
    return {
      code: ErrorCode.NoProviderAvailable,
      message: `No model is available for this request (${reasons.join('; ')}).`,
      param: null,
    };
  }
  // Every model is ruled out by the request itself: report the most common cause.
  const counts = new Map<string, { n: number; exclusion: Exclusion }>();
  for (const c of blocked) {
    const key = `${c.exclusion!.code}|${c.exclusion!.param}`;
    const slot = counts.get(key) ?? { n: 0, exclusion: c.exclusion! };
    slot.n++;
    counts.set(key, slot);
  }
  const top = [...counts.values()].sort((a, b) => b.n - a.n)[0].exclusion;
  const detail =
    top.code === ErrorCode.ContextLengthExceeded
      ? `the request (~${input.estimatedPromptTokens} prompt tokens) exceeds the context window of every model`
      : `no model supports it (${top.text})`;
  return { code: top.code, message: `This request cannot be routed: ${detail}.`, param: top.param };
}

function toTarget(c: Candidate): RouteTarget {
  return c.entry.target;
}

function reportOf(c: Candidate): CandidateReport {
  return {
    provider: c.entry.spec.provider,
    model: c.entry.spec.id,
    tier: c.entry.spec.tier,
    eligible: c.exclusion === null,
    reason: c.exclusion ? c.exclusion.text : c.note,
    quality: round(c.quality, 3),
    estimated_cost_usd: nanoToUsd(c.costNano),
    score: c.score === null ? null : round(c.score),
  };
}

function decision(
  kind: RoutingReasonKind,
  reason: string,
  candidates: Candidate[],
  target: Candidate | null,
  fallbacks: Candidate[],
  extra: Partial<RoutingDecision> = {},
): RoutingDecision {
  if (target) target.note = target.note || 'selected';
  fallbacks.forEach((c, i) => (c.note = `fallback #${i + 1}`));
  return {
    target: target ? toTarget(target) : null,
    fallbacks: fallbacks.map(toTarget),
    reason,
    estimatedCostUsd: target ? nanoToUsd(target.costNano) : 0,
    budgetDowngraded: false,
    candidates: candidates.map(reportOf),
    refusal: null,
    failure: null,
    kind,
    ...extra,
  };
}

function headline(input: RoutingInput): string {
  const { label, confidence } = input.intent;
  return label === null ? 'unclassified' : `${label} (${confidence.toFixed(2)})`;
}

/* ---------- explicit models (and the safety route) ---------- */

function explicitDecision(
  entry: CatalogEntry,
  candidates: Candidate[],
  policy: RoutingPolicy,
  kind: 'explicit' | 'safety_route',
  lead: string,
  resolution: string | null = null,
): RoutingDecision {
  const own = candidates.find((c) => c.entry === entry)!;
  const equivalents = equivalentsOf(own, candidates, policy);
  const resolved = resolution ? ` (${resolution})` : '';
  if (!own.exclusion) {
    own.note = 'selected: requested model';
    const why = kind === 'explicit' ? 'explicit model honoured' : 'the safety policy routes safety_risk here';
    return decision(
      kind,
      `${lead} → ${entry.spec.id}: ${why}${resolved}`,
      candidates,
      own,
      chooseFallbacks(own, equivalents, policy),
    );
  }
  const id = entry.spec.id;
  const excluded = own.exclusion;
  if (!excluded.availability) {
    // The request itself does not fit the model the client chose: say so rather than switch.
    const failure: RoutingFailure = {
      code: excluded.code,
      message: `The model \`${id}\` cannot serve this request: ${excluded.text}.`,
      param: excluded.param,
    };
    const reason = `${lead} → no target: ${id} cannot serve it (${excluded.text})${resolved}`;
    return decision(kind, reason, candidates, null, [], { failure });
  }
  const [substitute, ...rest] = equivalents;
  if (!substitute) {
    const reason = `${lead} → no target: ${id} unavailable (${excluded.text}) and no equivalent model is available${resolved}`;
    const message = `The model \`${id}\` is temporarily unavailable (${excluded.text}) and no equivalent model is available.`;
    return decision('unavailable', reason, candidates, null, [], {
      failure: { code: ErrorCode.NoProviderAvailable, message, param: null },
    });
  }
  substitute.note = `selected: equivalent of unavailable ${id}`;
  return decision(
    kind,
    `${lead} → ${substitute.entry.spec.id}: ${id} unavailable (${excluded.text}), equivalent ${entry.spec.tier}-tier model${resolved}`,
    candidates,
    substitute,
    chooseFallbacks(substitute, rest, policy),
  );
}

/**
 * The models equivalent to the requested one: same tier, meeting the same hard requirements,
 * quality at most `fallback_max_quality_drop` lower; ranked. Notes every other candidate.
 */
function equivalentsOf(own: Candidate, candidates: Candidate[], policy: RoutingPolicy): Candidate[] {
  const tier = own.entry.spec.tier;
  for (const c of candidates) if (!c.exclusion) c.score = c.quality;
  const minQuality = own.quality - policy.explicit_models.fallback_max_quality_drop - 1e-9;
  // A model the catalog does not list has no known equivalent: the client named that exact model.
  const dynamic = own.entry.dynamic === true;
  const equivalents = dynamic
    ? []
    : candidates
        .filter((c) => c !== own && !c.exclusion && c.entry.spec.tier === tier && c.quality >= minQuality)
        .sort(byRank(tier));
  for (const c of candidates) {
    if (c === own || c.exclusion) continue;
    if (equivalents.includes(c)) c.note = 'equivalent model';
    else if (dynamic) c.note = 'not an equivalent: the requested model is not in the catalog';
    else if (c.entry.spec.tier !== tier) c.note = `not an equivalent: ${c.entry.spec.tier} tier`;
    else c.note = `not an equivalent: quality ${round(c.quality, 2)} < ${round(minQuality, 2)}`;
  }
  return equivalents;
}

/**
 * Whether a (tenant's) routing policy keeps requests off this model: named in `exclude_models` (by
 * id or alias; catalog models outside the tenant's allow-list are listed there), or a model the
 * catalog does not list outside `allow_only`. Also for calls made on a request's behalf outside
 * routing (the intent classifier's fallback model).
 */
export function isExcluded(entry: CatalogEntry, policy: RoutingPolicy, catalog: ModelCatalog): boolean {
  if (entry.dynamic && !allowedByPolicy(entry, policy.allow_only)) return true;
  return policy.exclude_models.some((name) => catalog.resolveRequest(name)?.entry.spec.id === entry.spec.id);
}

function notAllowedMessage(name: string, resolution: ModelResolution): string {
  const target = resolution.entry.spec.id;
  const resolved = target.toLowerCase() === name.toLowerCase() ? '' : ` (${target})`;
  return `The model \`${name}\`${resolved} is not allowed by this tenant's policy. GET /v1/models lists the models this key may use.`;
}

/* ---------- the router's own choice ---------- */

interface AutoContext {
  kind: RoutingReasonKind;
  rule: RouteRule;
  measure: QualityMeasure;
  measureName: string;
  floor: number;
  preferred: string[];
  notes: string[];
  defaultModel: string | null;
}

function autoContext(input: RoutingInput, policy: RoutingPolicy, thresholds: RoutingThresholds): AutoContext {
  const { label, confidence } = input.intent;
  if (label === null || confidence < thresholds.lowConfidence) {
    const rule = policy.default;
    return {
      kind: label === null ? 'default' : 'low_confidence',
      rule,
      measure: 'general',
      measureName: 'general',
      floor: TIER_RANK[rule.preferred_tier],
      preferred: [rule.model, ...rule.prefer],
      notes: label === null ? [] : [`confidence below ${thresholds.lowConfidence}`],
      defaultModel: rule.model,
    };
  }
  const rule = policy.intents[label];
  const base = TIER_RANK[rule.preferred_tier];
  const cautious = confidence < thresholds.minConfForDirect;
  const floor = cautious ? Math.min(TOP_TIER_RANK, base + 1) : base;
  return {
    kind: cautious ? 'cautious' : 'direct',
    rule,
    measure: label,
    measureName: label,
    floor,
    preferred: rule.prefer,
    notes: cautious
      ? [
          floor > base
            ? `confidence below ${thresholds.minConfForDirect}: one tier safer (${rule.preferred_tier} → ${TIER_NAMES_BY_RANK[floor]})`
            : `confidence below ${thresholds.minConfForDirect}: already the top tier`,
        ]
      : [],
    defaultModel: null,
  };
}

type PoolKind = 'budget' | 'floor' | 'any_tier' | 'below_bar';

/** The candidates the router picks from, and the bar they met. */
interface Pool {
  members: Candidate[];
  kind: PoolKind;
  bar: number;
  budgetNote: string | null;
}

/**
 * The pool: one tier cheaper when the budget asks for it (at a relaxed bar), else the models at
 * or above the tier floor that meet the bar, else any tier that meets it, else every eligible one.
 */
function choosePool(
  input: RoutingInput,
  policy: RoutingPolicy,
  eligible: Candidate[],
  ctx: AutoContext,
): Pool {
  const bar = ctx.rule.min_quality;
  const ratio = input.budgetRemainingRatio;
  const softLimit = ratio !== null && input.budgetSoftLimitReached === true;
  let budgetNote: string | null = null;
  if (ratio !== null && (softLimit || ratio < policy.budget.downgrade_below)) {
    const ceiling = Math.max(0, ctx.floor - 1);
    const relaxed = round(Math.max(0, bar - policy.budget.quality_relaxation), 3);
    const members = eligible.filter((c) => c.entry.tierRank <= ceiling && c.quality >= relaxed);
    if (members.length > 0) {
      const why = softLimit ? 'soft limit reached' : `< ${percent(policy.budget.downgrade_below)}`;
      const note = `budget ${percent(ratio)} left (${why}): one tier cheaper (≤ ${TIER_NAMES_BY_RANK[ceiling]}), quality bar ${relaxed}`;
      return { members, kind: 'budget', bar: relaxed, budgetNote: note };
    }
    budgetNote = `budget ${percent(ratio)} left, but no cheaper model qualifies`;
  }
  const floor = eligible.filter((c) => c.entry.tierRank >= ctx.floor && c.quality >= bar);
  if (floor.length > 0) return { members: floor, kind: 'floor', bar, budgetNote };
  const anyTier = eligible.filter((c) => c.quality >= bar);
  if (anyTier.length > 0) return { members: anyTier, kind: 'any_tier', bar, budgetNote };
  return { members: eligible, kind: 'below_bar', bar, budgetNote };
}

/** Ranks the pool (score, or quality below the bar); explicit preferences go first, in order. */
function rankPool(pool: Pool, catalog: ModelCatalog, ctx: AutoContext): Candidate | null {
  const rank = byRank(ctx.rule.preferred_tier);
  if (pool.kind === 'below_bar') {
    pool.members.sort((a, b) => b.quality - a.quality || rank(a, b));
    return null;
  }
  pool.members.sort(rank);
  const front: Candidate[] = [];
  for (const name of ctx.preferred) {
    const spec = catalog.resolve(name);
    const hit = spec && pool.members.find((c) => c.entry.spec.id === spec.id);
    if (hit && !front.includes(hit)) front.push(hit);
  }
  if (front.length === 0) return null;
  pool.members = [...front, ...pool.members.filter((c) => !front.includes(c))];
  return front[0];
}

/** Per-candidate notes for the explain endpoint. */
function notePool(pool: Pool, eligible: Candidate[], ctx: AutoContext): void {
  pool.members.forEach((c, i) => (c.note = `ranked #${i + 1} of ${pool.members.length}`));
  for (const c of eligible) {
    if (pool.members.includes(c)) continue;
    if (c.quality < pool.bar)
      c.note = `${ctx.measureName} quality ${round(c.quality, 2)} below the bar ${pool.bar}`;
    else if (pool.kind === 'budget') c.note = 'above the budget tier';
    else c.note = `${c.entry.spec.tier} tier below the ${floorName(ctx.rule, ctx.floor)} floor`;
  }
}

/** Why the target won, in words. */
function whyChosen(
  target: Candidate,
  pool: Pool,
  preferredHit: Candidate | null,
  catalog: ModelCatalog,
  ctx: AutoContext,
): string {
  if (pool.kind === 'below_bar') {
    return `no eligible model reaches ${ctx.measureName} quality ${ctx.rule.min_quality}; highest-quality eligible model`;
  }
  if (preferredHit === target) {
    if (ctx.defaultModel !== null && catalog.resolve(ctx.defaultModel)?.id === target.entry.spec.id)
      return 'default model';
    return `preferred model for ${ctx.measureName} (quality ${round(target.quality, 2)} ≥ ${pool.bar})`;
  }
  const qualifier = `${ctx.measureName} quality ≥ ${pool.bar}`;
  const cheapest = pool.members.every((c) => c.costNano >= target.costNano);
  let why = cheapest
    ? `cheapest model with ${qualifier}`
    : `best cost/quality score among ${pool.members.length} models with ${qualifier}`;
  if (pool.kind === 'any_tier') why = `no ${floorName(ctx.rule, ctx.floor)}-tier model qualifies; ${why}`;
  if (ctx.defaultModel !== null) why = `default model ${ctx.defaultModel} not eligible; ${why}`;
  return why;
}

function autoDecision(
  input: RoutingInput,
  catalog: ModelCatalog,
  policy: RoutingPolicy,
  candidates: Candidate[],
  ctx: AutoContext,
  lead: string,
): RoutingDecision {
  const eligible = candidates.filter((c) => !c.exclusion);
  if (eligible.length === 0) {
    const failure = failureFromExclusions(candidates, input);
    return decision('unavailable', `${lead} → no target: ${failure.message}`, candidates, null, [], {
      failure,
    });
  }
  const pool = choosePool(input, policy, eligible, ctx);
  scoreAll(candidates, pool.members, policy);
  const preferredHit = rankPool(pool, catalog, ctx);
  const target = pool.members[0];
  const rank = byRank(ctx.rule.preferred_tier);
  const others = eligible.filter((c) => !pool.members.includes(c) && c.quality >= pool.bar).sort(rank);
  const fallbacks = chooseFallbacks(target, [...pool.members.slice(1), ...others], policy);
  notePool(pool, eligible, ctx);

  const why = whyChosen(target, pool, preferredHit, catalog, ctx);
  target.note = `selected: ${why}`;
  const notes = [...ctx.notes, ...(pool.budgetNote ? [pool.budgetNote] : [])];
  const discovered = target.entry.autoRouting;
  if (discovered?.candidate) notes.push(`discovered LiteLLM model: ${discovered.basis}`);
  const reason = `${lead} → ${target.entry.spec.id}: ${why}${notes.length > 0 ? `; ${notes.join('; ')}` : ''}`;
  const downgraded = pool.kind === 'budget';
  return decision(downgraded ? 'budget_downgrade' : ctx.kind, reason, candidates, target, fallbacks, {
    budgetDowngraded: downgraded,
  });
}

/* ---------- entry point ---------- */

/**
 * Decides where a request goes. Order of rules:
 * 1. safety_risk (confident enough) → refuse | route to the named model | allow (route as usual);
 * 2. a concrete model → honoured (resolved through aliases; fallbacks only to equivalent models),
 *    unless the policy lets the router override explicit models;
 * 3. otherwise the router decides: confidence picks the route (default / one tier safer / direct),
 *    hard requirements filter, the quality bar and tier floor form the pool, cost weighted with
 *    quality ranks it, and a low budget moves the pool one tier cheaper.
 */
export function decideRoute(
  input: RoutingInput,
  catalog: ModelCatalog,
  policy: RoutingPolicy,
  availability: ProviderAvailability,
  thresholds: RoutingThresholds,
): RoutingDecision {
  const safety = safetyDecision(input, catalog, policy, availability, thresholds);
  if (safety) return safety;
  let lead = headline(input);
  const requested = input.requestedModel?.trim();
  if (requested && !catalog.isAuto(requested)) {
    if (!policy.explicit_models.allow_override)
      return explicitRequest(requested, input, catalog, policy, availability, thresholds);
    if (!knownModel(requested, catalog, policy)) return modelNotFound(requested, catalog);
    lead = `${requested} requested, router override allowed; ${lead}`;
  }
  const ctx = autoContext(input, policy, thresholds);
  const candidates = evaluateAll(
    catalog,
    input,
    policy,
    availability,
    ctx.measure,
    ctx.rule.expected_output_tokens,
    null,
    catalog.autoEntries(),
  );
  return autoDecision(input, catalog, policy, candidates, ctx, lead);
}

/** A decision without a target and without candidates (refused, or an unknown model). */
function noTarget(kind: RoutingReasonKind, reason: string, extra: Partial<RoutingDecision>): RoutingDecision {
  return {
    target: null,
    fallbacks: [],
    reason,
    estimatedCostUsd: 0,
    budgetDowngraded: false,
    candidates: [],
    refusal: null,
    failure: null,
    kind,
    ...extra,
  };
}

/** safety_risk (confident enough): refuse, or route to the policy's model; null: route as usual. */
function safetyDecision(
  input: RoutingInput,
  catalog: ModelCatalog,
  policy: RoutingPolicy,
  availability: ProviderAvailability,
  thresholds: RoutingThresholds,
): RoutingDecision | null {
  const { label, confidence } = input.intent;
  const safety = policy.safety_risk;
  if (label !== 'safety_risk' || confidence < (safety.min_confidence ?? thresholds.lowConfidence))
    return null;
  if (safety.action === 'refuse') {
    return noTarget(
      'refused',
      `${headline(input)} → refused: the safety policy refuses requests classified as safety_risk`,
      { refusal: { code: 'content_policy_violation', message: safety.message } },
    );
  }
  const entry = safety.action === 'route' && safety.model !== null ? catalog.entry(safety.model) : undefined;
  if (!entry) return null;
  const expected = policy.intents.safety_risk.expected_output_tokens;
  const candidates = evaluateAll(catalog, input, policy, availability, 'safety_risk', expected);
  return explicitDecision(entry, candidates, policy, 'safety_route', headline(input));
}

/** The model the client named, resolved (catalog, provider prefix, legacy name, pattern) and allowed. */
function knownModel(requested: string, catalog: ModelCatalog, policy: RoutingPolicy): ModelResolution | null {
  const resolution = catalog.resolveRequest(requested);
  return resolution && !isExcluded(resolution.entry, policy, catalog) ? resolution : null;
}

function modelNotFound(requested: string, catalog: ModelCatalog): RoutingDecision {
  const resolution = catalog.resolveRequest(requested);
  const reason = resolution
    ? `${requested} requested → not available: excluded by policy (${resolution.note ?? resolution.entry.spec.id})`
    : `${requested} requested → not available: no catalog model, provider prefix, legacy name or provider name pattern matches`;
  const message = resolution ? notAllowedMessage(requested, resolution) : unknownModelMessage(requested);
  return noTarget('explicit', reason, {
    failure: {
      code: ErrorCode.ModelNotFound,
      message,
      param: 'model',
      ...(resolution ? { excludedByPolicy: true } : {}),
    },
  });
}

/** A concrete model the client asked for, honoured (fallbacks only to equivalent models). */
function explicitRequest(
  requested: string,
  input: RoutingInput,
  catalog: ModelCatalog,
  policy: RoutingPolicy,
  availability: ProviderAvailability,
  thresholds: RoutingThresholds,
): RoutingDecision {
  const resolution = knownModel(requested, catalog, policy);
  if (!resolution) return modelNotFound(requested, catalog);
  const entry = resolution.entry;
  const { label, confidence } = input.intent;
  const trusted = label !== null && confidence >= thresholds.lowConfidence;
  const measure: QualityMeasure = trusted ? label : 'general';
  const expected = trusted
    ? policy.intents[label].expected_output_tokens
    : policy.default.expected_output_tokens;
  const candidates = evaluateAll(catalog, input, policy, availability, measure, expected, entry);
  return explicitDecision(entry, candidates, policy, 'explicit', `${requested} requested`, resolution.note);
}
