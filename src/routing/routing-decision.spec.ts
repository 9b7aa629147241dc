import { costNanoUsd, nanoToUsd } from '../common/pricing';
import { ErrorCode } from '../common/errors';
import { INTENT_LABELS } from '../common/intent-labels';
import type { IntentLabel } from '../common/intent-labels';
import type { ProviderKey } from '../common/provider-keys';
import { ModelCatalog } from './model-catalog';
import { decideRoute } from './routing-decision';
import { routingError } from './routing-errors';
import { RoutingPolicyService } from './routing-policy';
import type { RoutingPolicy, RoutingPolicyOverride } from './routing-policy';
import type { ModelSpec, ModelTier, RoutingDecision, RoutingInput } from './routing.types';
import type { ProviderAvailability } from '../providers/provider.types';

/* ---------- fixture catalog: small, with round numbers so every expectation can be checked by hand ---------- */

interface ModelOptions {
  provider: ProviderKey;
  tier: ModelTier;
  price: [number, number];
  q: Partial<Record<IntentLabel, number>>;
  base?: number;
  window?: number;
  maxOut?: number;
  maxIn?: number;
  vision?: boolean;
  tools?: boolean;
  json?: boolean;
  factor?: number;
  aliases?: string[];
}

function model(id: string, o: ModelOptions): ModelSpec {
  const quality = {} as Record<IntentLabel, number>;
  for (const label of INTENT_LABELS) quality[label] = o.q[label] ?? o.base ?? 0.7;
  return {
    id,
    provider: o.provider,
    upstream_id: `${id}-upstream`,
    aliases: o.aliases ?? [],
    pricing: { input: o.price[0], output: o.price[1] },
    context_window: o.window ?? 100_000,
    max_output_tokens: o.maxOut ?? 8_000,
    capabilities: {
      vision: o.vision ?? true,
      tools: o.tools ?? true,
      json_mode: o.json ?? true,
      streaming: true,
    },
    quality,
    tier: o.tier,
    ...(o.maxIn ? { max_input_tokens: o.maxIn } : {}),
    ...(o.factor ? { expected_output_factor: o.factor } : {}),
  };
}

const catalog = new ModelCatalog({
  auto_aliases: ['router'],
  models: [
    model('nano', {
      provider: 'openai',
      tier: 'economy',
      price: [0.1, 0.4],
      base: 0.55,
      q: { chat_lite: 0.65, vision: 0.6 },
    }),
    model('mini', {
      provider: 'openai',
      tier: 'economy',
      price: [0.4, 1.6],
      base: 0.75,
      q: { chat_lite: 0.8, vision: 0.8, code_gen: 0.74 },
      aliases: ['mini-latest'],
    }),
    model('small', {
      provider: 'mistral',
      tier: 'economy',
      price: [0.1, 0.3],
      base: 0.6,
      q: { chat_lite: 0.72, translation: 0.8 },
      vision: false,
      json: false,
    }),
    model('coder', {
      provider: 'mistral',
      tier: 'standard',
      price: [0.3, 0.9],
      base: 0.55,
      q: { code_gen: 0.88 },
      vision: false,
    }),
    model('mid', { provider: 'openai', tier: 'standard', price: [2, 8], base: 0.86, q: { code_gen: 0.86 } }),
    model('sonnet', {
      provider: 'anthropic',
      tier: 'standard',
      price: [3, 15],
      base: 0.9,
      q: { code_gen: 0.93, safety_risk: 0.92 },
    }),
    model('opus', { provider: 'anthropic', tier: 'premium', price: [5, 25], base: 0.95, q: {} }),
    model('thinker', {
      provider: 'openai',
      tier: 'reasoning',
      price: [1, 4],
      base: 0.8,
      q: { deep_reason: 0.9, code_gen: 0.86 },
      factor: 3,
    }),
    model('local', {
      provider: 'litellm',
      tier: 'economy',
      price: [0, 0],
      base: 0.6,
      q: {},
      window: 8_192,
      maxOut: 2_048,
      tools: false,
      json: false,
      vision: false,
    }),
  ],
});

const POLICY_YAML = `
weights: { cost: 0.7, quality: 0.3 }
default: { model: mini, min_quality: 0.7, preferred_tier: economy, expected_output_tokens: 400 }
intents:
  chat_lite: { min_quality: 0.6, preferred_tier: economy, expected_output_tokens: 200 }
  deep_reason: { min_quality: 0.85, preferred_tier: reasoning, expected_output_tokens: 1000 }
  code_gen: { min_quality: 0.8, preferred_tier: standard, expected_output_tokens: 800 }
  json_extract: { min_quality: 0.75, preferred_tier: economy, expected_output_tokens: 300 }
  translation: { min_quality: 0.75, preferred_tier: economy, expected_output_tokens: 400 }
  vision: { min_quality: 0.75, preferred_tier: economy, expected_output_tokens: 300 }
  safety_risk: { min_quality: 0.85, preferred_tier: standard, expected_output_tokens: 300 }
budget: { downgrade_below: 0.2, quality_relaxation: 0.1 }
explicit_models: { allow_override: false, fallback_max_quality_drop: 0.05 }
safety_risk: { action: refuse }
fallbacks: { max: 3, prefer_other_provider: true }
`;
const service = RoutingPolicyService.fromYaml(POLICY_YAML, catalog);
const basePolicy = service.policy;
const thresholds = { lowConfidence: 0.4, minConfForDirect: 0.7 };

/** litellm is unconfigured unless a test says otherwise (its free model would win every cheap route). */
function availability(o: { unconfigured?: ProviderKey[]; open?: string[] } = {}): ProviderAvailability {
  const unconfigured = o.unconfigured ?? ['litellm'];
  return {
    isProviderConfigured: (provider) => !unconfigured.includes(provider),
    isCircuitOpen: (target) => (o.open ?? []).includes(target.model),
  };
}

function input(
  label: IntentLabel | null,
  confidence: number,
  extra: Partial<RoutingInput> = {},
): RoutingInput {
  return {
    requestedModel: undefined,
    intent: { label, confidence, signals: null, method: label === null ? 'disabled' : 'heuristic' },
    estimatedPromptTokens: 100,
    requestedMaxOutputTokens: null,
    needsVision: false,
    needsTools: false,
    needsJsonMode: false,
    needsStreaming: false,
    budgetRemainingRatio: null,
    ...extra,
  };
}

function decide(
  routingInput: RoutingInput,
  o: { avail?: ProviderAvailability; policy?: RoutingPolicyOverride } = {},
): RoutingDecision {
  const policy: RoutingPolicy = o.policy ? service.withOverride(o.policy) : basePolicy;
  return decideRoute(routingInput, catalog, policy, o.avail ?? availability(), thresholds);
}

const chain = (d: RoutingDecision): string[] => [d.target?.model ?? '-', ...d.fallbacks.map((t) => t.model)];
const candidate = (d: RoutingDecision, id: string) => d.candidates.find((c) => c.model === id)!;

/* ---------- tables ---------- */

describe('decideRoute', () => {
  describe('confidence decides the route', () => {
    it.each([
      // label, confidence, kind, target, fragment of the reason (null: not checked here)
      [
        'code_gen',
        0.91,
        'direct',
        'coder',
        'code_gen (0.91) → coder: cheapest model with code_gen quality ≥ 0.8',
      ],
      ['code_gen', 0.7, 'direct', 'coder', null],
      ['code_gen', 0.55, 'cautious', 'thinker', 'one tier safer (standard → premium)'],
      ['code_gen', 0.4, 'cautious', 'thinker', null],
      [
        'code_gen',
        0.39,
        'low_confidence',
        'mini',
        'code_gen (0.39) → mini: default model; confidence below 0.4',
      ],
      [null, 0, 'default', 'mini', 'unclassified → mini: default model'],
      [
        'chat_lite',
        0.95,
        'direct',
        'small',
        'chat_lite (0.95) → small: cheapest model with chat_lite quality ≥ 0.6',
      ],
      ['chat_lite', 0.5, 'cautious', 'mid', 'one tier safer (economy → standard)'],
      ['deep_reason', 0.9, 'direct', 'thinker', 'deep_reason (0.90) → thinker'],
      ['deep_reason', 0.5, 'cautious', 'thinker', 'already the top tier'],
    ])('%s at %s → %s, %s', (label, confidence, kind, target, fragment) => {
      const d = decide(input(label as IntentLabel | null, confidence));
      expect(d.kind).toBe(kind);
      expect(d.target?.model).toBe(target);
      if (fragment !== null) expect(d.reason).toContain(fragment);
    });

    it('names the tier move and keeps the cheapest qualifying model above the new floor', () => {
      const d = decide(input('code_gen', 0.55));
      expect(d.reason).toBe(
        'code_gen (0.55) → thinker: cheapest model with code_gen quality ≥ 0.8; confidence below 0.7: one tier safer (standard → premium)',
      );
      // The pool is the premium floor (thinker, opus); other models that clear the bar follow as fallbacks.
      expect(chain(d)).toEqual(['thinker', 'opus', 'coder', 'mid']);
      expect(candidate(d, 'mini').reason).toBe('code_gen quality 0.74 below the bar 0.8');
    });
  });

  describe('hard requirements filter candidates', () => {
    it.each([
      ['vision', { needsVision: true }, ['small', 'coder', 'local'], 'no image input support', 'nano'],
      ['tools', { needsTools: true }, ['local'], 'no tool support', 'small'],
      ['JSON mode', { needsJsonMode: true }, ['small', 'local'], 'no JSON mode', 'nano'],
    ] as const)('%s', (_name, extra, excluded, why, target) => {
      const d = decide(input('chat_lite', 0.9, extra), { avail: availability({ unconfigured: [] }) });
      for (const id of excluded)
        expect(candidate(d, id)).toMatchObject({ eligible: false, reason: why, score: null });
      expect(d.target?.model).toBe(target);
      expect(chain(d).some((id) => (excluded as readonly string[]).includes(id))).toBe(false);
    });

    it('an image question goes to a vision-capable model', () => {
      const d = decide(input('vision', 0.9, { needsVision: true, estimatedPromptTokens: 900 }));
      expect(d.target?.model).toBe('mini');
      expect(d.reason).toBe('vision (0.90) → mini: cheapest model with vision quality ≥ 0.75');
    });

    it('context overflow: prompt + expected output must fit the window, the prompt the input cap', () => {
      const avail = availability({ unconfigured: [] });
      const fits = decide(input('chat_lite', 0.9, { estimatedPromptTokens: 7_000, needsTools: false }), {
        avail,
      });
      expect(fits.target?.model).toBe('local'); // free, 7,000 + 200 ≤ 8,192
      const over = decide(input('chat_lite', 0.9, { estimatedPromptTokens: 8_100 }), { avail });
      expect(candidate(over, 'local')).toMatchObject({
        eligible: false,
        reason: 'context overflow: ~8100 prompt + 200 output tokens > 8192',
      });
      expect(over.target?.model).toBe('small');
      const capped = new ModelCatalog({
        auto_aliases: [],
        models: [
          model('capped', { provider: 'openai', tier: 'economy', price: [1, 1], q: {}, maxIn: 1_000 }),
        ],
      });
      const d = decideRoute(
        input(null, 0, { estimatedPromptTokens: 1_001 }),
        capped,
        { ...basePolicy, default: { ...basePolicy.default, model: 'capped' } },
        avail,
        thresholds,
      );
      expect(d.candidates[0].reason).toBe('context overflow: ~1001 prompt tokens > max input 1000');
    });

    it('a requested max_tokens above a model output limit excludes it', () => {
      const d = decide(input('chat_lite', 0.9, { requestedMaxOutputTokens: 4_000 }), {
        avail: availability({ unconfigured: [] }),
      });
      expect(candidate(d, 'local').reason).toBe("max_tokens 4000 exceeds the model's max output 2048");
    });

    it.each([
      [
        'unavailable provider',
        availability({ unconfigured: ['mistral', 'litellm'] }),
        'provider mistral is not configured',
      ],
      ['open circuit', availability({ open: ['small', 'coder'] }), 'circuit open'],
    ])('%s: excluded, next best takes over', (_name, avail, why) => {
      const code = decide(input('code_gen', 0.9), { avail });
      expect(candidate(code, 'coder')).toMatchObject({ eligible: false, reason: why });
      expect(code.target?.model).toBe('mid');
      const chat = decide(input('chat_lite', 0.9), { avail });
      expect(chat.target?.model).toBe('nano');
    });
  });

  describe('selection among eligible candidates', () => {
    it('reports every model with eligibility, estimated cost and score', () => {
      const d = decide(input('code_gen', 0.9));
      expect(d.candidates.map((c) => c.model)).toEqual(catalog.list().map((spec) => spec.id));
      const coder = candidate(d, 'coder');
      const expectedNano = costNanoUsd(
        { input: 0.3, output: 0.9 },
        { promptTokens: 100, completionTokens: 800 },
      );
      expect(coder).toMatchObject({ eligible: true, provider: 'mistral', tier: 'standard', quality: 0.88 });
      expect(coder.estimated_cost_usd).toBe(nanoToUsd(expectedNano));
      expect(coder.reason).toBe('selected: cheapest model with code_gen quality ≥ 0.8');
      expect(d.estimatedCostUsd).toBe(nanoToUsd(expectedNano));
      expect(candidate(d, 'mini').reason).toBe('code_gen quality 0.74 below the bar 0.8');
      expect(candidate(d, 'local')).toMatchObject({
        eligible: false,
        reason: 'provider litellm is not configured',
      });
    });

    it('expected output: the client max wins; otherwise the intent expectation × the reasoning factor', () => {
      const d = decide(input('deep_reason', 0.9));
      expect(candidate(d, 'thinker').estimated_cost_usd).toBe(
        nanoToUsd(costNanoUsd({ input: 1, output: 4 }, { promptTokens: 100, completionTokens: 3_000 })),
      );
      const capped = decide(input('deep_reason', 0.9, { requestedMaxOutputTokens: 500 }));
      expect(candidate(capped, 'thinker').estimated_cost_usd).toBe(
        nanoToUsd(costNanoUsd({ input: 1, output: 4 }, { promptTokens: 100, completionTokens: 500 })),
      );
    });

    it('quality-heavy weights buy quality; cost-heavy weights buy price', () => {
      expect(decide(input('code_gen', 0.9)).target?.model).toBe('coder');
      const quality = decide(input('code_gen', 0.9), { policy: { weights: { cost: 0.02, quality: 0.98 } } });
      expect(quality.target?.model).toBe('opus');
      expect(quality.reason).toBe(
        'code_gen (0.90) → opus: best cost/quality score among 5 models with code_gen quality ≥ 0.8',
      );
    });

    it('explicit preferences go first when they qualify, in their order', () => {
      const d = decide(input('code_gen', 0.9), {
        policy: { intents: { code_gen: { prefer: ['nano', 'sonnet', 'mid'] } } },
      });
      expect(chain(d)).toEqual(['sonnet', 'mid', 'coder', 'thinker']);
      expect(d.reason).toBe('code_gen (0.90) → sonnet: preferred model for code_gen (quality 0.93 ≥ 0.8)');
    });

    it('no model at the tier floor qualifies → any tier meeting the bar', () => {
      const d = decide(input('translation', 0.9), {
        policy: { intents: { translation: { preferred_tier: 'premium', min_quality: 0.96 } } },
      });
      expect(d.reason).toContain(
        'no eligible model reaches translation quality 0.96; highest-quality eligible model',
      );
      expect(d.target?.model).toBe('opus');
      // Only opus (0.95) clears 0.9 at the premium floor; sonnet (0.9) is standard and follows.
      const floor = decide(input('translation', 0.9), {
        policy: { intents: { translation: { preferred_tier: 'premium', min_quality: 0.9 } } },
      });
      expect(chain(floor)).toEqual(['opus', 'sonnet']);
      const relaxed = decide(input('json_extract', 0.9), {
        policy: { intents: { json_extract: { preferred_tier: 'premium', min_quality: 0.7 } } },
        avail: availability({ open: ['opus', 'thinker'] }),
      });
      expect(relaxed.target?.model).toBe('mini');
      expect(relaxed.reason).toContain(
        'no premium-tier model qualifies; cheapest model with json_extract quality ≥ 0.7',
      );
    });

    it('breaks exact ties deterministically (id order) and gives identical decisions for identical input', () => {
      const twins = new ModelCatalog({
        auto_aliases: [],
        models: ['b-twin', 'a-twin', 'c-twin'].map((id) =>
          model(id, { provider: 'openai', tier: 'economy', price: [1, 1], q: {} }),
        ),
      });
      const policy = { ...basePolicy, default: { ...basePolicy.default, model: 'b-twin' } };
      const d1 = decideRoute(input('chat_lite', 0.9), twins, policy, availability(), thresholds);
      const d2 = decideRoute(input('chat_lite', 0.9), twins, policy, availability(), thresholds);
      expect(chain(d1)).toEqual(['a-twin', 'b-twin', 'c-twin']);
      expect(d2).toEqual(d1);
    });

    it('a free (self-hosted) model wins when it qualifies', () => {
      const d = decide(input('chat_lite', 0.9), { avail: availability({ unconfigured: [] }) });
      expect(d.target?.model).toBe('local');
      expect(d.estimatedCostUsd).toBe(0);
    });
  });

  describe('fallback chain', () => {
    it('is ordered by rank, deduplicated, eligible only and capped', () => {
      const d = decide(input('code_gen', 0.9), { avail: availability({ open: ['mid'] }) });
      expect(chain(d)).toEqual(['coder', 'sonnet', 'thinker', 'opus']);
      expect(new Set(chain(d)).size).toBe(chain(d).length);
      expect(d.fallbacks).toHaveLength(3);
      expect(candidate(d, 'thinker').reason).toBe('fallback #2');
      expect(candidate(d, 'mid').reason).toBe('circuit open');
    });

    it('makes room for another provider when the top of the ranking is one provider', () => {
      const avail = availability({ unconfigured: ['mistral', 'litellm'] });
      const diverse = decide(input('chat_lite', 0.9), { policy: { fallbacks: { max: 1 } }, avail });
      expect(chain(diverse)).toEqual(['nano', 'opus']);
      const same = decide(input('chat_lite', 0.9), {
        policy: { fallbacks: { max: 1, prefer_other_provider: false } },
        avail,
      });
      expect(chain(same)).toEqual(['nano', 'mini']);
    });

    it('can be disabled', () => {
      expect(decide(input('chat_lite', 0.9), { policy: { fallbacks: { max: 0 } } }).fallbacks).toEqual([]);
    });

    it('carries the upstream model name for the provider layer', () => {
      expect(decide(input('code_gen', 0.9)).target).toEqual({
        provider: 'mistral',
        model: 'coder',
        upstreamModel: 'coder-upstream',
      });
    });
  });

  describe('explicit models', () => {
    it.each([
      ['an id', 'mid', 'mid'],
      ['an alias', 'mini-latest', 'mini'],
      ['any case', 'MID', 'mid'],
    ])('honours %s as asked', (_name, requested, target) => {
      const d = decide(input('chat_lite', 0.95, { requestedModel: requested }));
      expect(d.kind).toBe('explicit');
      expect(d.target?.model).toBe(target);
      expect(d.reason).toBe(`${requested} requested → ${target}: explicit model honoured`);
    });

    it('falls back only to equivalent models: same tier, quality within the allowed drop', () => {
      const d = decide(input('code_gen', 0.95, { requestedModel: 'mid' }));
      expect(chain(d)).toEqual(['mid', 'sonnet', 'coder']);
      expect(candidate(d, 'thinker').reason).toBe('not an equivalent: reasoning tier');
      const loose = decide(input('chat_lite', 0.95, { requestedModel: 'mid' }));
      expect(chain(loose)).toEqual(['mid', 'sonnet']); // coder's chat quality 0.55 is far below 0.86
    });

    it('switches to an equivalent when the requested model is unavailable, and says so', () => {
      const d = decide(input('code_gen', 0.95, { requestedModel: 'mid' }), {
        avail: availability({ open: ['mid'] }),
      });
      expect(d.target?.model).toBe('sonnet');
      expect(d.reason).toBe(
        'mid requested → sonnet: mid unavailable (circuit open), equivalent standard-tier model',
      );
      const none = decide(input('code_gen', 0.95, { requestedModel: 'opus' }), {
        avail: availability({ unconfigured: ['anthropic', 'litellm'] }),
      });
      expect(none.target).toBeNull();
      expect(none.failure).toMatchObject({ code: ErrorCode.NoProviderAvailable, param: null });
      expect(routingError(none)?.status).toBe(503);
    });

    it.each([
      ['an unknown model', { requestedModel: 'no-such-model' }, {}, ErrorCode.ModelNotFound, 'model', 404],
      [
        'an excluded model',
        { requestedModel: 'opus' },
        { exclude_models: ['opus'] } as RoutingPolicyOverride,
        ErrorCode.ModelNotFound,
        'model',
        404,
      ],
      [
        'an image for a text-only model',
        { requestedModel: 'coder', needsVision: true },
        {},
        ErrorCode.InvalidRequest,
        'messages',
        400,
      ],
      [
        'tools for a tool-less model',
        { requestedModel: 'local', needsTools: true },
        {},
        ErrorCode.UnsupportedParameter,
        'tools',
        400,
      ],
      [
        'a prompt beyond its window',
        { requestedModel: 'mini', estimatedPromptTokens: 99_900 },
        {},
        ErrorCode.ContextLengthExceeded,
        'messages',
        400,
      ],
    ] as const)('refuses %s with the right OpenAI error', (_name, extra, policy, code, param, status) => {
      const d = decide(input('chat_lite', 0.9, extra), { policy, avail: availability({ unconfigured: [] }) });
      expect(d.target).toBeNull();
      expect(d.failure).toMatchObject({ code, param });
      expect(routingError(d)?.status).toBe(status);
    });

    it('is treated as a hint when the policy allows overriding explicit models', () => {
      const d = decide(input('chat_lite', 0.95, { requestedModel: 'opus' }), {
        policy: { explicit_models: { allow_override: true } },
      });
      expect(d.kind).toBe('direct');
      expect(d.target?.model).toBe('small');
      expect(d.reason).toMatch(/^opus requested, router override allowed; chat_lite \(0.95\) → small/);
    });

    it.each([undefined, '', 'auto', 'Auto', 'router'])(
      'routing alias %p means the router decides',
      (requested) => {
        const d = decide(input('chat_lite', 0.95, { requestedModel: requested }));
        expect(d.kind).toBe('direct');
        expect(d.target?.model).toBe('small');
      },
    );
  });

  describe('safety_risk', () => {
    it('is refused by default, before any model is considered', () => {
      const d = decide(input('safety_risk', 0.9, { requestedModel: 'opus' }));
      expect(d).toMatchObject({
        target: null,
        fallbacks: [],
        candidates: [],
        kind: 'refused',
        estimatedCostUsd: 0,
      });
      expect(d.refusal).toEqual({
        code: 'content_policy_violation',
        message: basePolicy.safety_risk.message,
      });
      const error = routingError(d)!;
      expect(error.toBody().error).toMatchObject({
        code: 'content_policy_violation',
        type: 'invalid_request_error',
      });
      expect(error.status).toBe(400);
    });

    it('is not acted on below the confidence threshold (the label is not trusted)', () => {
      const d = decide(input('safety_risk', 0.3));
      expect(d.kind).toBe('low_confidence');
      expect(d.target?.model).toBe('mini');
      const strict = decide(input('safety_risk', 0.5), { policy: { safety_risk: { min_confidence: 0.6 } } });
      expect(strict.refusal).toBeNull();
    });

    it('can be allowed (routed by its own rule) or routed to a named model', () => {
      const allowed = decide(input('safety_risk', 0.9), { policy: { safety_risk: { action: 'allow' } } });
      expect(allowed).toMatchObject({ kind: 'direct', refusal: null });
      expect(allowed.target?.model).toBe('mid');
      const routed = decide(input('safety_risk', 0.9), {
        policy: { safety_risk: { action: 'route', model: 'sonnet' } },
      });
      expect(routed.kind).toBe('safety_route');
      expect(routed.target?.model).toBe('sonnet');
      expect(routed.reason).toBe('safety_risk (0.90) → sonnet: the safety policy routes safety_risk here');
    });
  });

  describe('safety_risk routed to a named model that is down', () => {
    it('uses an equivalent of the named model, or fails with 503', () => {
      const policy = { safety_risk: { action: 'route' as const, model: 'mid' } };
      const d = decide(input('safety_risk', 0.9), { policy, avail: availability({ open: ['mid'] }) });
      expect(d).toMatchObject({ kind: 'safety_route', target: { model: 'sonnet' } });
      const none = decide(input('safety_risk', 0.9), {
        policy: { safety_risk: { action: 'route', model: 'sonnet' } },
        avail: availability({ open: ['sonnet'] }),
      });
      expect(none.target).toBeNull();
      expect(none.failure?.code).toBe(ErrorCode.NoProviderAvailable);
    });
  });

  describe('budget-aware routing', () => {
    it.each([
      // remaining ratio, downgraded, target
      [0.1, true, 'mini'],
      [0.199, true, 'mini'],
      [0.2, false, 'coder'],
      [0.9, false, 'coder'],
      [null, false, 'coder'],
    ])('remaining %p → downgraded %p (%s)', (ratio, downgraded, target) => {
      const d = decide(input('code_gen', 0.9, { budgetRemainingRatio: ratio }));
      expect(d.budgetDowngraded).toBe(downgraded);
      expect(d.kind).toBe(downgraded ? 'budget_downgrade' : 'direct');
      expect(d.target?.model).toBe(target);
    });

    it('says so in the reason, with the relaxed bar', () => {
      const d = decide(input('code_gen', 0.9, { budgetRemainingRatio: 0.1 }));
      expect(d.reason).toBe(
        'code_gen (0.90) → mini: cheapest model with code_gen quality ≥ 0.7; budget 10% left (< 20%): one tier cheaper (≤ economy), quality bar 0.7',
      );
      expect(candidate(d, 'nano').reason).toBe('code_gen quality 0.55 below the bar 0.7');
      // Fallbacks may leave the budget tier: they only run when the cheaper target fails.
      expect(chain(d).slice(0, 2)).toEqual(['mini', 'coder']);
    });

    it("downgrades at the budget's own soft limit, even with more than downgrade_below left", () => {
      const d = decide(input('code_gen', 0.9, { budgetRemainingRatio: 0.45, budgetSoftLimitReached: true }));
      expect(d.budgetDowngraded).toBe(true);
      expect(d.target?.model).toBe('mini');
      expect(d.reason).toContain('budget 45% left (soft limit reached): one tier cheaper');
      const before = decide(
        input('code_gen', 0.9, { budgetRemainingRatio: 0.45, budgetSoftLimitReached: false }),
      );
      expect(before.budgetDowngraded).toBe(false);
    });

    it('moves a top-tier route below it (tier ceiling: standard)', () => {
      const d = decide(input('deep_reason', 0.9, { budgetRemainingRatio: 0.05 }));
      expect(d.budgetDowngraded).toBe(true);
      expect(d.target?.model).toBe('mini'); // deep_reason 0.75 meets the relaxed bar 0.75
      expect(d.reason).toContain('one tier cheaper (≤ standard), quality bar 0.75');
    });

    it('keeps the normal route when no cheaper model qualifies', () => {
      const policy = { budget: { quality_relaxation: 0 }, intents: { deep_reason: { min_quality: 0.91 } } };
      const d = decide(input('deep_reason', 0.9, { budgetRemainingRatio: 0.05 }), { policy });
      expect(d.budgetDowngraded).toBe(false);
      expect(d.kind).toBe('direct');
      expect(d.target?.model).toBe('opus');
      expect(d.reason).toContain('budget 5% left, but no cheaper model qualifies');
    });

    it('does not touch explicit models', () => {
      const d = decide(input('code_gen', 0.9, { requestedModel: 'opus', budgetRemainingRatio: 0.01 }));
      expect(d.target?.model).toBe('opus');
      expect(d.budgetDowngraded).toBe(false);
    });
  });

  describe('when nothing can take the request', () => {
    it('every provider down → 503 no_provider_available', () => {
      const d = decide(input('chat_lite', 0.9), {
        avail: availability({ unconfigured: ['openai', 'anthropic', 'mistral', 'litellm'] }),
      });
      expect(d).toMatchObject({ target: null, kind: 'unavailable' });
      expect(d.failure?.code).toBe(ErrorCode.NoProviderAvailable);
      expect(d.failure?.message).toContain('provider openai is not configured');
    });

    it.each([
      [
        'a prompt larger than every window',
        { estimatedPromptTokens: 20_000_000 },
        ErrorCode.ContextLengthExceeded,
      ],
      ['max_tokens above every output limit', { requestedMaxOutputTokens: 1e12 }, ErrorCode.InvalidRequest],
    ])(
      '%s → 400 even when some providers are unconfigured or excluded (was 503)',
      (_name, extra: Partial<RoutingInput>, code) => {
        for (const avail of [availability(), availability({ unconfigured: ['openai', 'litellm'] })]) {
          const d = decide(input('chat_lite', 0.9, extra), { avail, policy: { exclude_models: ['nano'] } });
          expect(d.target).toBeNull();
          expect(d.failure?.code).toBe(code);
        }
      },
    );

    it('a prompt larger than every window → 400 context_length_exceeded', () => {
      const d = decide(input('chat_lite', 0.9, { estimatedPromptTokens: 200_000 }), {
        avail: availability({ unconfigured: [] }),
      });
      expect(d.failure).toMatchObject({ code: ErrorCode.ContextLengthExceeded, param: 'messages' });
      expect(routingError(d)?.status).toBe(400);
    });

    it('routingError is null for a routable decision', () => {
      expect(routingError(decide(input('chat_lite', 0.9)))).toBeNull();
    });
  });
});
