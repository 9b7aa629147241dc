import { costNanoUsd } from '../../common/pricing';
import type { IntentLabel } from '../../common/intent-labels';
import { RoutingConfigError } from '../config-reader';
import type { CatalogEntry, ModelCatalog } from '../model-catalog';
import { decideRoute, type RoutingThresholds } from '../routing-decision';
import type { RoutingPolicy, RoutingPolicyService } from '../routing-policy';
import { DECISION_INPUT_VERSION, replayInputs, usd, type LoggedInputs } from './decision-record';

/**
 * Counterfactual replay (docs/routing.md "Routing lab"): the pure decision re-run over logged
 * decisions under a candidate catalog and routing policy. Pure and deterministic: rows in, a
 * report out; the same rows under the configuration that logged them reproduce their decisions,
 * hence their actual cost.
 */

/** The columns of routing_decisions a replay reads. */
export interface ReplayRow {
  input_version: number;
  inputs: LoggedInputs;
  target_model: string | null;
  budget_downgraded: boolean;
  cost_nano: number | string;
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens: number;
  cache_hit: boolean;
  /** Who answered (a fallback when it differs from the target); read for the threshold evidence. */
  served_model?: string | null;
  /**
   * The per-label probabilities as JSON text when the query keeps them out of `inputs` (parsed
   * only for the rows the threshold suggestions sample).
   */
  scores?: string | null;
}

/** Sees every replayed row under its effective policy (the threshold suggestions' sampling). */
export interface ReplayObserver {
  consider(row: ReplayRow, policy: RoutingPolicy): void;
}

export interface ReplayConfiguration {
  /** The candidate catalog and routing policy (tenant overrides are merged over it per row). */
  catalog: ModelCatalog;
  policies: RoutingPolicyService;
  /** The catalog the decisions were logged under (qualities and output factors of their targets). */
  reference: ModelCatalog;
  /** Candidate thresholds; absent: each row's logged ones. */
  thresholds?: Partial<RoutingThresholds>;
  /** Sees every replayed row (threshold-evidence.ts); absent: none. */
  observer?: ReplayObserver;
  /** The live policy's adjustments (the quality floors an admin applied); absent: none. */
  adjust?: (policy: RoutingPolicy) => RoutingPolicy;
}

interface Group {
  requests: number;
  moved: number;
  moves: Map<string, number>;
  actualNano: number;
  candidateNano: number;
  belowFloorActual: number;
  belowFloorCandidate: number;
  downgradesActual: number;
  downgradesCandidate: number;
  unroutable: number;
}

export interface ReplayGroupReport {
  requests: number;
  moved: number;
  moved_share: number;
  /** Where moved requests go ("from → to"), most frequent first (top 10). */
  moves: Array<{ from: string; to: string; requests: number; share: number }>;
  actual_cost_usd: number;
  estimated_cost_usd: number;
  cost_delta_usd: number;
  cost_delta_share: number | null;
  /** Requests with a trusted label whose target's quality for it is below the label's min_quality. */
  below_quality_floor: { actual: number; candidate: number };
  budget_downgrades: { actual: number; candidate: number };
  /** Requests the candidate configuration would not route (refused or no model) though they were. */
  unroutable: number;
}

export interface ReplaySummary {
  rows: number;
  replayed: number;
  /** Rows not replayed: another input version, or a tenant override the candidate rejects. */
  skipped: { version: number; tenant_policy: number };
  overall: ReplayGroupReport;
  by_intent: Record<string, ReplayGroupReport>;
}

function newGroup(): Group {
  return {
    requests: 0,
    moved: 0,
    moves: new Map(),
    actualNano: 0,
    candidateNano: 0,
    belowFloorActual: 0,
    belowFloorCandidate: 0,
    downgradesActual: 0,
    downgradesCandidate: 0,
    unroutable: 0,
  };
}

/** What one row contributes to its groups. */
interface Outcome {
  from: string;
  to: string;
  actualNano: number;
  candidateNano: number;
  belowActual: boolean;
  belowCandidate: boolean;
  downgradedActual: boolean;
  downgradedCandidate: boolean;
  unroutable: boolean;
}

function addTo(group: Group, o: Outcome): void {
  group.requests++;
  if (o.from !== o.to) {
    group.moved++;
    const key = `${o.from}\u0000${o.to}`;
    group.moves.set(key, (group.moves.get(key) ?? 0) + 1);
  }
  group.actualNano += o.actualNano;
  group.candidateNano += o.candidateNano;
  if (o.belowActual) group.belowFloorActual++;
  if (o.belowCandidate) group.belowFloorCandidate++;
  if (o.downgradedActual) group.downgradesActual++;
  if (o.downgradedCandidate) group.downgradesCandidate++;
  if (o.unroutable) group.unroutable++;
}

function share(part: number, whole: number): number {
  return whole === 0 ? 0 : Math.round((part / whole) * 10_000) / 10_000;
}

function groupReport(group: Group): ReplayGroupReport {
  const moves = [...group.moves.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, 10)
    .map(([key, requests]) => {
      const [from, to] = key.split('\u0000');
      return { from, to, requests, share: share(requests, group.requests) };
    });
  const delta = group.candidateNano - group.actualNano;
  return {
    requests: group.requests,
    moved: group.moved,
    moved_share: share(group.moved, group.requests),
    moves,
    actual_cost_usd: usd(group.actualNano),
    estimated_cost_usd: usd(group.candidateNano),
    cost_delta_usd: usd(delta),
    cost_delta_share: group.actualNano === 0 ? null : share(delta, group.actualNano),
    below_quality_floor: { actual: group.belowFloorActual, candidate: group.belowFloorCandidate },
    budget_downgrades: { actual: group.downgradesActual, candidate: group.downgradesCandidate },
    unroutable: group.unroutable,
  };
}

/** A replay in progress: add() every row, then summary(). */
export class ReplayRun {
  private readonly overall = newGroup();
  private readonly byIntent = new Map<string, Group>();
  private readonly tenantPolicies = new Map<string, RoutingPolicy | null>();
  private rows = 0;
  private readonly skipped = { version: 0, tenant_policy: 0 };

  private readonly basePolicy: RoutingPolicy;
  private readonly thresholdPairs = new Map<string, RoutingThresholds>();

  constructor(private readonly config: ReplayConfiguration) {
    this.basePolicy = config.adjust ? config.adjust(config.policies.policy) : config.policies.policy;
  }

  add(row: ReplayRow): void {
    this.rows++;
    if (row.input_version !== DECISION_INPUT_VERSION) {
      this.skipped.version++;
      return;
    }
    const policy = this.policyFor(row.inputs);
    if (!policy) {
      this.skipped.tenant_policy++;
      return;
    }
    const outcome = this.replay(row, policy);
    this.config.observer?.consider(row, policy);
    addTo(this.overall, outcome);
    const key = row.inputs.l ?? 'none';
    let group = this.byIntent.get(key);
    if (!group) this.byIntent.set(key, (group = newGroup()));
    addTo(group, outcome);
  }

  summary(): ReplaySummary {
    const byIntent: Record<string, ReplayGroupReport> = {};
    for (const key of [...this.byIntent.keys()].sort()) byIntent[key] = groupReport(this.byIntent.get(key)!);
    return {
      rows: this.rows,
      replayed: this.overall.requests,
      skipped: { ...this.skipped },
      overall: groupReport(this.overall),
      by_intent: byIntent,
    };
  }

  private replay(row: ReplayRow, policy: RoutingPolicy): Outcome {
    const { input, availability, thresholds } = replayInputs(row.inputs);
    const candidateThresholds = this.thresholdsFor(thresholds);
    const decision = decideRoute(input, this.config.catalog, policy, availability, candidateThresholds);
    const from = row.target_model ?? 'none';
    const to = decision.target?.model ?? 'none';
    const actualNano = Number(row.cost_nano);
    const label = input.intent.label;
    const trusted = label !== null && input.intent.confidence >= candidateThresholds.lowConfidence;
    const floor = trusted ? policy.intents[label].min_quality : null;
    return {
      from,
      to,
      actualNano,
      candidateNano: from === to ? actualNano : this.repriced(row, to, decision.estimatedCostUsd),
      belowActual: floor !== null && this.below(row.target_model, label!, floor, this.config.reference),
      belowCandidate: floor !== null && this.below(decision.target?.model ?? null, label!, floor),
      downgradedActual: row.budget_downgraded,
      downgradedCandidate: decision.budgetDowngraded,
      unroutable: row.target_model !== null && decision.target === null,
    };
  }

  /** The candidate thresholds over a row's logged ones (one object per distinct pair, reused). */
  private thresholdsFor(logged: RoutingThresholds): RoutingThresholds {
    const key = `${logged.lowConfidence}/${logged.minConfForDirect}`;
    let merged = this.thresholdPairs.get(key);
    if (!merged)
      this.thresholdPairs.set(key, (merged = Object.freeze({ ...logged, ...this.config.thresholds })));
    return merged;
  }

  /** A row's cost had it gone to `to`: its actual cost for the same model, else re-priced. */
  costIfRoutedTo(row: ReplayRow, to: string, estimatedUsd: number): number {
    return to === (row.target_model ?? 'none') ? Number(row.cost_nano) : this.repriced(row, to, estimatedUsd);
  }

  /** A moved request's cost: its actual tokens at the new model's prices (output scaled by the output factors). */
  private repriced(row: ReplayRow, to: string, estimatedUsd: number): number {
    if (to === 'none' || row.cache_hit) return 0;
    const entry = this.entry(to, this.config.catalog);
    if (!entry) return 0;
    // Never answered upstream (refused or unroutable when logged): the decision's own estimate.
    if (row.target_model === null) return Math.round(estimatedUsd * 1e9);
    const before = this.entry(row.target_model, this.config.reference)?.outputFactor ?? 1;
    return costNanoUsd(entry.spec.pricing, {
      promptTokens: row.prompt_tokens,
      cachedPromptTokens: row.cached_tokens,
      completionTokens: Math.round((row.completion_tokens * entry.outputFactor) / before),
    });
  }

  private below(
    model: string | null,
    label: IntentLabel,
    floor: number,
    first = this.config.catalog,
  ): boolean {
    if (model === null) return false;
    const entry = this.entry(model, first) ?? this.entry(model, this.config.reference);
    return entry !== undefined && entry.spec.quality[label] < floor;
  }

  private entry(model: string, catalog: ModelCatalog): CatalogEntry | undefined {
    return catalog.entry(model) ?? catalog.resolveRequest(model)?.entry;
  }

  /** The row's effective policy: the candidate policy with the tenant's override merged (cached). */
  private policyFor(inputs: LoggedInputs): RoutingPolicy | null {
    if (!inputs.r) return this.basePolicy;
    const key = JSON.stringify(inputs.r);
    if (this.tenantPolicies.has(key)) return this.tenantPolicies.get(key)!;
    let policy: RoutingPolicy | null;
    try {
      policy = {
        ...this.config.policies.withOverride(inputs.r.override, 'logged tenant override'),
        allow_only: inputs.r.allow_only ?? null,
      };
    } catch (error) {
      if (!(error instanceof RoutingConfigError)) throw error;
      policy = null;
    }
    if (policy && this.config.adjust) policy = this.config.adjust(policy);
    this.tenantPolicies.set(key, policy);
    return policy;
  }
}
