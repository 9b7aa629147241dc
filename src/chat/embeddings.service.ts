import { Inject, Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { refusalDecision, refusalDetails } from '../audit/audit-decisions';
import {
  AUDIT_RECORDER,
  type AuditRecorder,
  type PolicyRef,
  type RequestAuditEvent,
} from '../audit/audit.types';
import { BUDGET_ENFORCER, USAGE_RECORDER } from '../billing/billing.types';
import type { BudgetEnforcer, UsageRecorder } from '../billing/billing.types';
import { ErrorCode, GatewayError } from '../common/errors';
import { costNanoUsd, nanoToUsd } from '../common/pricing';
import type { Principal } from '../common/principal';
import type { ProviderKey } from '../common/provider-keys';
import { textListTokenCounts } from '../common/token-estimator';
import { elapsedMs } from '../common/time';
import { POLICY_ENFORCER } from '../policy/policy.types';
import type { PolicyEnforcer } from '../policy/policy.types';
import { PROVIDER_EXECUTOR, PROVIDERS_WITHOUT_EMBEDDINGS, ProviderError } from '../providers/provider.types';
import type { ProviderExecutor, ProviderTarget } from '../providers/provider.types';
import { ModelCatalog } from '../routing/model-catalog';
import type { EmbeddingModelSpec } from '../routing/routing.types';
import { METRIC } from '../telemetry/metrics';
import { TenantLabels } from '../telemetry/tenant-labels';
import { normaliseEmbeddingInput } from './embedding-request.pipe';
import type { NormalisedInput } from './embedding-request.pipe';
import type { Embedding, EmbeddingRequest, EmbeddingResponse } from '../common/openai/embeddings.types';

/** The `intent` of usage rows that bill embeddings. */
export const EMBEDDINGS_USAGE_INTENT = 'embeddings';

export interface EmbeddingsCallContext {
  requestId: string;
  principal: Principal;
  startedAt: bigint;
  signal: AbortSignal;
}

export interface EmbeddingsResult {
  body: EmbeddingResponse;
  headers: Record<string, string>;
}

/** What the policy decided about an embeddings request, for the audit trail. */
interface EmbeddingsTrail {
  policyRef: PolicyRef | null;
  redactions: Partial<Record<string, number>>;
}

export const EMBEDDINGS_ROUTE = 'POST /v1/embeddings';

/** The audit rows of an embeddings request: PII redacted; refused by the policy or the budget. */
function embeddingsAuditEvents(
  request: EmbeddingRequest,
  context: EmbeddingsCallContext,
  trail: EmbeddingsTrail,
  error: unknown,
): RequestAuditEvent[] {
  const base = {
    requestId: context.requestId,
    createdAt: new Date(),
    tenantId: context.principal.tenantId,
    apiKeyId: context.principal.keyId,
    route: EMBEDDINGS_ROUTE,
    policyId: trail.policyRef?.id ?? null,
    policyVersion: trail.policyRef?.version ?? null,
    modelBefore: typeof request.model === 'string' ? request.model.slice(0, 100) : null,
    modelAfter: null,
  };
  const events: RequestAuditEvent[] = [];
  if (Object.keys(trail.redactions).length > 0)
    events.push({ ...base, decision: 'pii_redacted', details: { pii: trail.redactions } });
  const refusal = refusalDecision(error);
  if (refusal) events.push({ ...base, decision: refusal, details: refusalDetails(error as GatewayError) });
  return events;
}

/** Little-endian float32 bytes in base64, as OpenAI's encoding_format "base64". */
export function encodeBase64Floats(vector: readonly number[]): string {
  const bytes = Buffer.allocUnsafe(vector.length * 4);
  for (let i = 0; i < vector.length; i++) bytes.writeFloatLE(vector[i], i * 4);
  return bytes.toString('base64');
}

/**
 * POST /v1/embeddings: resolve the embedding model → tenant policy (allowed model, PII) →
 * reserve the budget for the input's upper-bound tokens → call the provider (retries and
 * circuit breakers as for chat) → settle, record usage (intent "embeddings") and count
 * tokens/cost. The model is the client's choice: embeddings are never routed (vectors of two
 * models cannot be compared).
 */
@Injectable()
export class EmbeddingsService {
  constructor(
    private readonly catalog: ModelCatalog,
    @Inject(PROVIDER_EXECUTOR) private readonly executor: ProviderExecutor,
    @InjectMetric(METRIC.tokens) private readonly tokensCounter: Counter<string>,
    @InjectMetric(METRIC.costUsd) private readonly costCounter: Counter<string>,
    @Inject(BUDGET_ENFORCER) private readonly budgets: BudgetEnforcer,
    @Inject(USAGE_RECORDER) private readonly usageRecorder: UsageRecorder,
    @Inject(POLICY_ENFORCER) private readonly policy: PolicyEnforcer | null,
    @InjectMetric(METRIC.tenantTokens) private readonly tenantTokens: Counter<string>,
    @InjectMetric(METRIC.tenantCostUsd) private readonly tenantCost: Counter<string>,
    private readonly tenantLabels: TenantLabels,
    @Inject(AUDIT_RECORDER) private readonly audit: AuditRecorder,
  ) {}

  /** The embedding model a request names, or the 4xx that explains why there is none. */
  resolveModel(name: string): EmbeddingModelSpec {
    const spec = this.catalog.resolveEmbedding(name.trim());
    if (spec) return spec;
    const chat = this.catalog.resolve(name.trim());
    const available = this.catalog
      .embeddingModels()
      .filter((model) => this.executor.isProviderConfigured(model.provider))
      .map((model) => model.id);
    const offer = available.length > 0 ? ` Embedding models: ${available.join(', ')}.` : '';
    if (chat && PROVIDERS_WITHOUT_EMBEDDINGS.includes(chat.provider)) {
      throw new GatewayError(
        ErrorCode.InvalidRequest,
        `'${chat.id}' is an ${chat.provider} chat model, and ${chat.provider} has no embeddings API.${offer}`,
        { param: 'model' },
      );
    }
    if (chat || this.catalog.isAuto(name)) {
      throw new GatewayError(
        ErrorCode.InvalidRequest,
        `'${name}' is not an embedding model: /v1/embeddings needs one by name (embeddings are never routed).${offer}`,
        { param: 'model' },
      );
    }
    throw new GatewayError(ErrorCode.ModelNotFound, `The model '${name}' does not exist.${offer}`, {
      param: 'model',
    });
  }

  async create(request: EmbeddingRequest, context: EmbeddingsCallContext): Promise<EmbeddingsResult> {
    const trail: EmbeddingsTrail = { policyRef: null, redactions: {} };
    let failure: unknown = null;
    try {
      return await this.embed(request, context, trail);
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      // The gateway's decisions about the request, buffered for the audit trail (not awaited).
      for (const event of embeddingsAuditEvents(request, context, trail, failure)) this.audit.record(event);
    }
  }

  private async embed(
    request: EmbeddingRequest,
    context: EmbeddingsCallContext,
    trail: EmbeddingsTrail,
  ): Promise<EmbeddingsResult> {
    const spec = this.resolveModel(request.model);
    if (!this.executor.isProviderConfigured(spec.provider)) {
      throw new GatewayError(
        ErrorCode.NoProviderAvailable,
        `The embedding model '${spec.id}' is served by ${spec.provider}, which is not configured.`,
      );
    }
    const dimensions = checkedDimensions(request, spec);
    const { input, notes } = this.screened(request, spec, context, trail);
    const tokens = this.countTokens(input, spec);
    const target: ProviderTarget = {
      provider: spec.provider,
      model: spec.id,
      upstreamModel: spec.upstream_id,
    };
    const pricing = { input: spec.pricing.input, output: 0 };
    const reservation = await this.budgets.reserve(
      context.principal,
      costNanoUsd(pricing, { promptTokens: tokens.upperBound, completionTokens: 0 }),
      context.requestId,
    );
    let execution;
    try {
      execution = await this.executor.embed(
        [target],
        {
          input: input.items,
          ...(dimensions !== undefined ? { dimensions } : {}),
          ...(typeof request.user === 'string' ? { user: request.user } : {}),
        },
        { signal: context.signal, requestId: context.requestId, embeddingDimensions: spec.dimensions },
      );
    } catch (error) {
      if (reservation) this.budgets.release(reservation);
      void this.record(context, spec, 0, 0, context.signal.aborted ? 499 : statusOf(error));
      throw error;
    }
    const promptTokens = execution.result.promptTokens ?? tokens.estimate;
    const costNano = costNanoUsd(pricing, { promptTokens, completionTokens: 0 });
    // Durable before the answer (USAGE_DURABLE_ACK): the settlement and the usage row are written.
    await Promise.all([
      reservation ? this.budgets.settle(reservation, costNano) : Promise.resolve(),
      this.record(context, spec, promptTokens, costNano, 200),
    ]);
    const labels = { provider: spec.provider, model: spec.id };
    const { tenantId, tenantName } = context.principal;
    const tenant = { tenant: this.tenantLabels.of(tenantId, tenantName), model: spec.id };
    this.tokensCounter.inc({ ...labels, kind: 'prompt' }, promptTokens);
    this.tenantTokens.inc({ ...tenant, kind: 'prompt' }, promptTokens);
    if (costNano > 0) {
      this.costCounter.inc(labels, nanoToUsd(costNano));
      this.tenantCost.inc(tenant, nanoToUsd(costNano));
    }
    return embeddingsResult(request, spec, context, { execution, promptTokens, costNano, notes });
  }

  /** The tenant policy on the input (PII screening); token ids cannot be screened. */
  private screened(
    request: EmbeddingRequest,
    spec: EmbeddingModelSpec,
    context: EmbeddingsCallContext,
    trail: EmbeddingsTrail,
  ): { input: NormalisedInput; notes: string[] } {
    let input: NormalisedInput = normaliseEmbeddingInput(request.input);
    if (!this.policy) return { input, notes: [] };
    trail.policyRef = this.policy.ref(context.principal);
    const texts = input.kind === 'text' ? input.items : [];
    const verdict = this.policy.evaluateEmbedding(texts, spec, context.principal);
    trail.redactions = verdict.redactions;
    if (input.kind === 'tokens' && verdict.screensPii) {
      throw new GatewayError(
        ErrorCode.PolicyViolation,
        'The tenant policy screens inputs for personal data, which token ids cannot be: send text.',
        { param: 'input' },
      );
    }
    if (input.kind === 'text' && verdict.texts !== input.items)
      input = { kind: 'text', items: verdict.texts };
    return { input, notes: [...verdict.notes] };
  }

  /** Upper bound (for the reservation) and estimate; refuses an item longer than the model takes. */
  private countTokens(input: NormalisedInput, spec: EmbeddingModelSpec) {
    if (input.kind === 'tokens') {
      const perItem = input.items.map((item) => item.length);
      this.checkItemLengths(perItem, spec);
      const total = perItem.reduce((sum, count) => sum + count, 0);
      return { estimate: total, upperBound: total };
    }
    const counts = textListTokenCounts(input.items);
    this.checkItemLengths(counts.perItem, spec);
    return counts;
  }

  private checkItemLengths(perItem: readonly number[], spec: EmbeddingModelSpec): void {
    const at = perItem.findIndex((count) => count > spec.max_input_tokens);
    if (at >= 0) {
      throw new GatewayError(
        ErrorCode.ContextLengthExceeded,
        `input[${at}] is about ${perItem[at]} tokens; '${spec.id}' accepts at most ${spec.max_input_tokens} per item.`,
        { param: 'input' },
      );
    }
  }

  private record(
    context: EmbeddingsCallContext,
    spec: EmbeddingModelSpec,
    promptTokens: number,
    costNano: number,
    status: number,
  ): Promise<void> {
    return this.usageRecorder.record({
      requestId: context.requestId,
      tenantId: context.principal.tenantId,
      apiKeyId: context.principal.keyId,
      provider: spec.provider as ProviderKey,
      model: spec.id,
      intent: EMBEDDINGS_USAGE_INTENT,
      promptTokens,
      completionTokens: 0,
      cachedTokens: 0,
      costNano,
      savedNano: 0,
      latencyMs: Math.round(elapsedMs(context.startedAt)),
      status,
      cacheHit: false,
      createdAt: new Date(),
    });
  }
}

function statusOf(error: unknown): number {
  if (error instanceof ProviderError || error instanceof GatewayError) return error.status;
  return 500;
}

/** `dimensions`, when asked: only for models that can shorten their vectors, never longer. */
function checkedDimensions(request: EmbeddingRequest, spec: EmbeddingModelSpec): number | undefined {
  const dimensions = request.dimensions ?? undefined;
  if (dimensions === undefined) return undefined;
  if (!spec.shortenable) {
    throw new GatewayError(
      ErrorCode.UnsupportedParameter,
      `'${spec.id}' returns ${spec.dimensions}-dimension vectors and does not accept 'dimensions'.`,
      { param: 'dimensions' },
    );
  }
  if (dimensions > spec.dimensions) {
    throw new GatewayError(
      ErrorCode.ValidationFailed,
      `Invalid value for 'dimensions': '${spec.id}' returns at most ${spec.dimensions}.`,
      { param: 'dimensions' },
    );
  }
  return dimensions;
}

/** The OpenAI response (float or base64 vectors) and the x-modelmuxer-* headers. */
function embeddingsResult(
  request: EmbeddingRequest,
  spec: EmbeddingModelSpec,
  context: EmbeddingsCallContext,
  done: {
    execution: { result: { vectors: number[][] }; upstreamMs: number };
    promptTokens: number;
    costNano: number;
    notes: string[];
  },
): EmbeddingsResult {
  const base64 = request.encoding_format === 'base64';
  const data: Embedding[] = done.execution.result.vectors.map((vector, index) => ({
    object: 'embedding',
    index,
    embedding: base64 ? encodeBase64Floats(vector) : vector,
  }));
  const overheadMs = Math.max(0, elapsedMs(context.startedAt) - done.execution.upstreamMs);
  const headers: Record<string, string> = {
    'x-modelmuxer-provider': spec.provider,
    'x-modelmuxer-model': spec.id,
    'x-modelmuxer-cost-usd': nanoToUsd(done.costNano).toFixed(9),
    'x-modelmuxer-overhead-ms': overheadMs.toFixed(2),
  };
  if (done.notes.length > 0) headers['x-modelmuxer-policy-notes'] = done.notes.join('; ');
  return {
    body: {
      object: 'list',
      data,
      model: spec.id,
      usage: { prompt_tokens: done.promptTokens, total_tokens: done.promptTokens },
    },
    headers,
  };
}
