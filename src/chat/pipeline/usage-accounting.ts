import { Inject, Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { BUDGET_ENFORCER, USAGE_RECORDER } from '../../billing/billing.types';
import type { BudgetEnforcer, UsageEvent, UsageRecorder } from '../../billing/billing.types';
import { OutputEstimatorService } from '../../billing/budgets/output-estimator.service';
import { requestedMaxOutputTokens } from '../../common/token-estimator';
import type { Usage } from '../../common/openai/chat.types';
import { costNanoUsd, nanoToUsd, type ModelPricing } from '../../common/pricing';
import { elapsedMs } from '../../common/time';
import type { ClassifierModelCall } from '../../intent/intent.types';
import { ModelCatalog } from '../../routing/model-catalog';
import type { PlannedTarget } from '../../routing/routing.types';
import { METRIC } from '../../telemetry/metrics';
import { TenantLabels } from '../../telemetry/tenant-labels';
import type { ChatCall } from './chat-call';

/** The `intent` of the usage rows that bill the classifier's own model calls. */
export const CLASSIFIER_USAGE_INTENT = 'intent_fallback';

/** The `intent` of the usage rows that bill the semantic cache's query embeddings (provider embedders). */
export const CACHE_EMBEDDING_USAGE_INTENT = 'cache_embed';

/** One usage row, as the pipeline knows it. */
export interface UsageEntry {
  provider: UsageEvent['provider'];
  model: string;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  costNano: number;
  status: number;
  /** A cache hit: what it saved (the original call's cost). */
  savedNano?: number;
  cacheHit?: boolean;
  /** Billed at an estimated price (the target's pricing kind). */
  pricingEstimated?: boolean;
  /** See routingFlags. */
  autoRouted?: boolean;
  fallback?: boolean;
}

/** What tokens cost at a model's prices (nano-USD). */
export function usageCost(pricing: ModelPricing, usage: Usage): number {
  return costNanoUsd(pricing, {
    promptTokens: usage.prompt_tokens,
    cachedPromptTokens: usage.prompt_tokens_details?.cached_tokens ?? 0,
    completionTokens: usage.completion_tokens,
  });
}

/**
 * How the routing plan led to the target that answered, for the dashboard's routing roll-up:
 * `autoRouted` when the router chose the model (any decision but an explicit model), `fallback`
 * when a later target of the chain answered instead of the decision's target.
 */
export function routingFlags(
  call: Pick<ChatCall, 'plan'>,
  target: Pick<PlannedTarget, 'provider' | 'model'>,
): { autoRouted: boolean; fallback: boolean } {
  const decision = call.plan?.decision;
  if (!decision?.target) return { autoRouted: false, fallback: false };
  return {
    autoRouted: decision.kind !== undefined && decision.kind !== 'explicit',
    fallback: decision.target.provider !== target.provider || decision.target.model !== target.model,
  };
}

/**
 * Money and usage, in one place: settles or releases the call's budget reservation, writes its
 * usage row (batched by the recorder) and counts tokens and cost in the metrics.
 */
@Injectable()
export class UsageAccounting {
  constructor(
    private readonly catalog: ModelCatalog,
    @InjectMetric(METRIC.tokens) private readonly tokensCounter: Counter<string>,
    @InjectMetric(METRIC.costUsd) private readonly costCounter: Counter<string>,
    @Inject(BUDGET_ENFORCER) private readonly budgets: BudgetEnforcer,
    @Inject(USAGE_RECORDER) private readonly recorder: UsageRecorder,
    @InjectMetric(METRIC.tenantTokens) private readonly tenantTokens: Counter<string>,
    @InjectMetric(METRIC.tenantCostUsd) private readonly tenantCost: Counter<string>,
    private readonly tenantLabels: TenantLabels,
    private readonly outputs: OutputEstimatorService,
  ) {}

  /**
   * The call's reservation: settled at `costNano`, or given back (null). Resolves once the
   * settlement is written (USAGE_DURABLE_ACK); never rejects.
   */
  settleReservation(call: ChatCall, costNano: number | null): Promise<void> {
    const reservation = call.reservation;
    if (!reservation) return Promise.resolve();
    if (costNano === null) {
      this.budgets.release(reservation);
      return Promise.resolve();
    }
    return this.budgets.settle(reservation, costNano);
  }

  /** The usage row of the call. Resolves once it is written (USAGE_DURABLE_ACK); never rejects. */
  record(call: ChatCall, entry: UsageEntry, overrides: Partial<UsageEvent> = {}): Promise<void> {
    return this.recorder.record({
      requestId: call.context.requestId,
      tenantId: call.context.principal.tenantId,
      apiKeyId: call.context.principal.keyId,
      intent: call.intent?.label ?? null,
      savedNano: 0,
      latencyMs: Math.round(elapsedMs(call.context.startedAt)),
      cacheHit: false,
      createdAt: new Date(),
      ...entry,
      ...overrides,
    });
  }

  /**
   * A call that was answered upstream: settle, record, count. Resolves to its cost (nano-USD)
   * once the settlement and the usage row are written (USAGE_DURABLE_ACK), so that what the
   * client is answered has been recorded.
   */
  async answered(call: ChatCall, target: PlannedTarget, usage: Usage, status: number): Promise<number> {
    const { provider, model } = target;
    const costNano = usageCost(target.spec.pricing, usage);
    const settled = this.settleReservation(call, costNano);
    const cachedTokens = usage.prompt_tokens_details?.cached_tokens ?? 0;
    const recorded = this.record(call, {
      provider,
      model,
      promptTokens: usage.prompt_tokens,
      completionTokens: usage.completion_tokens,
      cachedTokens,
      costNano,
      status,
      pricingEstimated: target.pricingKind === 'estimated',
      ...routingFlags(call, target),
    });
    if (status === 200 && requestedMaxOutputTokens(call.request) === null) {
      // What the right-sized reservations of later requests without max_tokens learn from.
      const choices = Math.max(1, call.request.n ?? 1);
      this.outputs.observe(
        call.context.principal.tenantId,
        model,
        usage.completion_tokens / choices,
        call.outputTruncated,
      );
    }
    // Metrics last: whatever happens there, the money is already accounted for.
    this.count(call, provider, target.metricModel ?? model, usage, costNano);
    await Promise.all([settled, recorded]);
    return costNano;
  }

  /** Tokens and cost in the metrics: by provider and model, and by (bounded) tenant and model. */
  private count(call: ChatCall, provider: string, model: string, usage: Usage, costNano: number): void {
    const labels = { provider, model };
    const { tenantId, tenantName } = call.context.principal;
    const tenant = { tenant: this.tenantLabels.of(tenantId, tenantName), model };
    const cachedTokens = usage.prompt_tokens_details?.cached_tokens ?? 0;
    const kinds: Array<[string, number]> = [
      ['prompt', usage.prompt_tokens],
      ['completion', usage.completion_tokens],
      ['cached', cachedTokens],
    ];
    for (const [kind, tokens] of kinds) {
      if (kind === 'cached' && tokens <= 0) continue;
      this.tokensCounter.inc({ ...labels, kind }, tokens);
      this.tenantTokens.inc({ ...tenant, kind }, tokens);
    }
    if (costNano > 0) {
      this.costCounter.inc(labels, nanoToUsd(costNano));
      this.tenantCost.inc(tenant, nanoToUsd(costNano));
    }
  }

  /**
   * The classifier's own model call (the cheap-LLM fallback) is the tenant's cost: charged to
   * its budgets and recorded as a usage row of its own (intent "intent_fallback"), so that
   * reports show what classification cost. Reported when the call ends, even after the request.
   */
  classifierCall(call: ChatCall, model: ClassifierModelCall): void {
    const spec = this.catalog.resolve(model.model);
    const costNano = spec ? usageCost(spec.pricing, model.usage) : 0;
    this.budgets.charge(call.context.principal, costNano);
    void this.record(
      call,
      {
        provider: model.provider,
        model: model.model,
        promptTokens: model.usage.prompt_tokens,
        completionTokens: model.usage.completion_tokens,
        cachedTokens: model.usage.prompt_tokens_details?.cached_tokens ?? 0,
        costNano,
        status: 200,
      },
      { requestId: `${call.context.requestId}:intent`, intent: CLASSIFIER_USAGE_INTENT, latencyMs: 0 },
    );
    if (costNano > 0) {
      const { tenantId, tenantName } = call.context.principal;
      this.costCounter.inc({ provider: model.provider, model: model.model }, nanoToUsd(costNano));
      this.tenantCost.inc(
        { tenant: this.tenantLabels.of(tenantId, tenantName), model: model.model },
        nanoToUsd(costNano),
      );
    }
  }

  /**
   * The semantic cache's query embedding (provider embedders only) is the tenant's cost: charged
   * to its budgets and recorded as a usage row of its own (intent "cache_embed"). Resolves once
   * the row is written (USAGE_DURABLE_ACK); never rejects.
   */
  cacheEmbedding(call: ChatCall, embedder: string, costNano: number): Promise<void> {
    this.budgets.charge(call.context.principal, costNano);
    return this.record(
      call,
      {
        provider: 'cache',
        model: embedder,
        promptTokens: 0,
        completionTokens: 0,
        cachedTokens: 0,
        costNano,
        status: 200,
      },
      { requestId: `${call.context.requestId}:cache`, intent: CACHE_EMBEDDING_USAGE_INTENT, latencyMs: 0 },
    );
  }
}
