import { ErrorCode } from '../common/errors';
import type { ProviderKey } from '../common/provider-keys';
import { RoutingConfigError } from './config-reader';
import { ModelCatalog } from './model-catalog';
import { familyOf, providerByPattern, splitProviderPrefix, syntheticModel } from './model-resolver';
import type { ResolutionKind } from './model-resolver';
import { decideRoute } from './routing-decision';
import { routingError } from './routing-errors';
import { RoutingPolicyService } from './routing-policy';
import type { RoutingPolicy } from './routing-policy';
import type { RoutingInput } from './routing.types';
import type { ProviderAvailability } from '../providers/provider.types';

/** The shipped files: the table below is what a client gets with the default configuration. */
const catalog = ModelCatalog.load('config/models.yaml');
const policy = RoutingPolicyService.load('config/routing.yaml', catalog).policy;
const thresholds = { lowConfidence: 0.4, minConfForDirect: 0.7 };

function availability(unconfigured: ProviderKey[] = []): ProviderAvailability {
  return { isProviderConfigured: (p) => !unconfigured.includes(p), isCircuitOpen: () => false };
}

function input(requestedModel: string | undefined, extra: Partial<RoutingInput> = {}): RoutingInput {
  return {
    requestedModel,
    intent: { label: 'chat_lite', confidence: 0.9, signals: null, method: 'heuristic' },
    estimatedPromptTokens: 20,
    requestedMaxOutputTokens: null,
    needsVision: false,
    needsTools: false,
    needsJsonMode: false,
    needsStreaming: false,
    budgetRemainingRatio: null,
    ...extra,
  };
}

describe('model name resolution (config/models.yaml)', () => {
  // name → kind, provider, canonical id, name sent upstream, pricing kind, reason fragment
  const table: Array<[string, ResolutionKind, ProviderKey, string, string, 'list' | 'estimated', string]> = [
    ['gpt-4o', 'catalog', 'openai', 'gpt-4o', 'gpt-4o', 'list', ''],
    ['claude-haiku', 'catalog', 'anthropic', 'claude-haiku-4-5', 'claude-haiku-4-5-20251001', 'list', ''],
    ['openai/gpt-4o', 'provider_prefix', 'openai', 'gpt-4o', 'gpt-4o', 'list', 'is catalog model gpt-4o'],
    [
      'openai/gpt-4o-2024-08-06',
      'provider_prefix',
      'openai',
      'openai/gpt-4o-2024-08-06',
      'gpt-4o-2024-08-06',
      'estimated',
      'family gpt-4o',
    ],
    [
      'anthropic/claude-3-5-sonnet-latest',
      'provider_prefix',
      'anthropic',
      'anthropic/claude-3-5-sonnet-latest',
      'claude-3-5-sonnet-latest',
      'estimated',
      'fallback anthropic',
    ],
    [
      'mistral/open-mistral-nemo',
      'provider_prefix',
      'mistral',
      'mistral/open-mistral-nemo',
      'open-mistral-nemo',
      'estimated',
      'passed through to mistral',
    ],
    [
      'litellm/llama-3.3-70b',
      'provider_prefix',
      'litellm',
      'litellm/llama-3.3-70b',
      'llama-3.3-70b',
      'estimated',
      'fallback litellm',
    ],
    [
      'litellm/org/some-model:v2',
      'provider_prefix',
      'litellm',
      'litellm/org/some-model:v2',
      'org/some-model:v2',
      'estimated',
      'passed through to litellm',
    ],
    [
      'gpt-3.5-turbo',
      'legacy_pass_through',
      'openai',
      'openai/gpt-3.5-turbo',
      'gpt-3.5-turbo',
      'list',
      'legacy name',
    ],
    ['gpt-4', 'legacy_pass_through', 'openai', 'openai/gpt-4', 'gpt-4', 'list', 'GPT-4, still served'],
    ['gpt-4-0613', 'legacy_pass_through', 'openai', 'openai/gpt-4-0613', 'gpt-4-0613', 'list', 'legacy name'],
    [
      'gpt-4-turbo-2024-04-09',
      'legacy_pass_through',
      'openai',
      'openai/gpt-4-turbo-2024-04-09',
      'gpt-4-turbo-2024-04-09',
      'list',
      'GPT-4 Turbo',
    ],
    [
      'gpt-4-32k',
      'legacy_successor',
      'openai',
      'gpt-4.1',
      'gpt-4.1',
      'list',
      'mapped to its successor gpt-4.1',
    ],
    [
      'claude-2.1',
      'legacy_successor',
      'anthropic',
      'claude-sonnet-4-6',
      'claude-sonnet-4-6',
      'list',
      'Claude 2, retired',
    ],
    [
      'claude-instant-1.2',
      'legacy_successor',
      'anthropic',
      'claude-haiku-4-5',
      'claude-haiku-4-5-20251001',
      'list',
      'successor',
    ],
    [
      'open-mixtral-8x7b',
      'legacy_successor',
      'mistral',
      'mistral-small-latest',
      'mistral-small-2506',
      'list',
      'successor',
    ],
    [
      'gpt-4o-mini-2024-07-18',
      'pattern',
      'openai',
      'openai/gpt-4o-mini-2024-07-18',
      'gpt-4o-mini-2024-07-18',
      'estimated',
      'family gpt-4o-mini',
    ],
    [
      'ft:gpt-4o-mini:acme::9abc',
      'pattern',
      'openai',
      'openai/ft:gpt-4o-mini:acme::9abc',
      'ft:gpt-4o-mini:acme::9abc',
      'estimated',
      'family gpt-4o-mini',
    ],
    ['o1', 'pattern', 'openai', 'openai/o1', 'o1', 'estimated', 'fallback openai'],
    ['o3-mini', 'pattern', 'openai', 'openai/o3-mini', 'o3-mini', 'estimated', 'family o3'],
    [
      'o4-mini-2025-04-16',
      'pattern',
      'openai',
      'openai/o4-mini-2025-04-16',
      'o4-mini-2025-04-16',
      'estimated',
      'family o4-mini',
    ],
    [
      'chatgpt-4o-latest',
      'pattern',
      'openai',
      'openai/chatgpt-4o-latest',
      'chatgpt-4o-latest',
      'estimated',
      'chatgpt-*',
    ],
    ['gpt-5.6', 'pattern', 'openai', 'openai/gpt-5.6', 'gpt-5.6', 'estimated', 'fallback openai'],
    [
      'claude-3-5-haiku-20241022',
      'pattern',
      'anthropic',
      'anthropic/claude-3-5-haiku-20241022',
      'claude-3-5-haiku-20241022',
      'estimated',
      'claude-*',
    ],
    [
      'claude-sonnet-4-6-20260101',
      'pattern',
      'anthropic',
      'anthropic/claude-sonnet-4-6-20260101',
      'claude-sonnet-4-6-20260101',
      'estimated',
      'family claude-sonnet-4-6',
    ],
    [
      'mistral-small-2409',
      'pattern',
      'mistral',
      'mistral/mistral-small-2409',
      'mistral-small-2409',
      'estimated',
      'family mistral-small-latest',
    ],
    [
      'codestral-2405',
      'pattern',
      'mistral',
      'mistral/codestral-2405',
      'codestral-2405',
      'estimated',
      'family codestral-latest',
    ],
    [
      'ministral-8b-latest',
      'pattern',
      'mistral',
      'mistral/ministral-8b-latest',
      'ministral-8b-latest',
      'estimated',
      'ministral-*',
    ],
    [
      'pixtral-large-latest',
      'pattern',
      'mistral',
      'mistral/pixtral-large-latest',
      'pixtral-large-latest',
      'estimated',
      'pixtral-*',
    ],
    [
      'open-mistral-nemo',
      'pattern',
      'mistral',
      'mistral/open-mistral-nemo',
      'open-mistral-nemo',
      'estimated',
      'open-*',
    ],
  ];

  it.each(table)('%s → %s %s %s', (name, kind, provider, id, upstream, pricing, fragment) => {
    const resolution = catalog.resolveRequest(name)!;
    expect(resolution).not.toBeNull();
    expect(resolution.kind).toBe(kind);
    expect(resolution.entry.spec.provider).toBe(provider);
    expect(resolution.entry.spec.id).toBe(id);
    expect(resolution.entry.target.upstreamModel).toBe(upstream);
    expect(resolution.entry.pricingKind).toBe(pricing);
    if (fragment) expect(resolution.note).toContain(fragment);
    else expect(resolution.note).toBeNull();
    // The decision honours it and explains it.
    const decision = decideRoute(input(name), catalog, policy, availability(), thresholds);
    expect(decision.target).toEqual(resolution.entry.target);
    expect(decision.kind).toBe('explicit');
    if (fragment) expect(decision.reason).toContain(fragment);
    // Pass-through names get no fallback to another model: the client named that model.
    if (resolution.entry.dynamic) expect(decision.fallbacks).toEqual([]);
  });

  it.each(['no-such-model', 'hello world', 'gpt', 'o2', 'acme/gpt-4o', 'openai/', 'claude', ''])(
    'refuses %p (unless it means auto) with a 404 naming the accepted forms',
    (name) => {
      const decision = decideRoute(input(name), catalog, policy, availability(), thresholds);
      if (name === '') {
        expect(decision.kind).not.toBe('explicit');
        return;
      }
      expect(decision.target).toBeNull();
      const error = routingError(decision)!;
      expect(error.status).toBe(404);
      expect(error.code).toBe(ErrorCode.ModelNotFound);
      expect(error.message).toContain('`provider/model`');
      expect(error.message).toContain('GET /v1/models');
      expect(error.message).toContain('claude-*');
    },
  );

  it('prices a pass-through model from its family, reserves against an upper bound', () => {
    const family = catalog.resolve('gpt-4o')!;
    const entry = catalog.resolveRequest('gpt-4o-2024-11-20')!.entry;
    expect(entry.spec.pricing).toEqual(family.pricing);
    expect(entry.pricingSource).toBe('family gpt-4o (estimated)');
    const multiplier = catalog.compatibility().unknown_models.reserve_multiplier;
    expect(multiplier).toBeGreaterThan(1);
    expect(entry.reservePricing).toEqual({
      input: family.pricing.input * multiplier,
      output: family.pricing.output * multiplier,
    });
    // A catalog model reserves at its own price.
    expect(catalog.entry('gpt-4o')!.reservePricing).toEqual({ input: 2.5, output: 10 });
  });

  it('bounds the label and breaker names of pass-through models, not of catalog ones', () => {
    expect(catalog.resolveRequest('gpt-4o-2099-01-01')!.entry.target.metricModel).toBe('openai/pass-through');
    expect(catalog.resolveRequest('gpt-4o')!.entry.target.metricModel).toBeUndefined();
    expect(catalog.resolveRequest('claude-2')!.entry.target.metricModel).toBeUndefined();
  });

  it('plans a resolved pass-through target (RoutingService.plan looks it up by id)', () => {
    const entry = catalog.resolveRequest('ft:gpt-4o-mini:acme::xyz')!.entry;
    expect(catalog.planned(entry.target)?.pricingKind).toBe('estimated');
    expect(catalog.planned(entry.target)?.upstreamModel).toBe('ft:gpt-4o-mini:acme::xyz');
  });

  it('applies the tenant allow-list to pass-through models', () => {
    const restricted: RoutingPolicy = {
      ...policy,
      allow_only: { providers: null, models: ['gpt-4o-mini', 'openai/gpt-4o-2024-08-06'] },
    };
    const refused = decideRoute(input('gpt-3.5-turbo'), catalog, restricted, availability(), thresholds);
    expect(routingError(refused)?.status).toBe(404);
    expect(refused.failure?.message).toContain("not allowed by this tenant's policy");
    const allowed = decideRoute(input('gpt-4o-2024-08-06'), catalog, restricted, availability(), thresholds);
    expect(allowed.target?.model).toBe('openai/gpt-4o-2024-08-06');
    const byProvider: RoutingPolicy = { ...policy, allow_only: { providers: ['anthropic'], models: null } };
    expect(decideRoute(input('o3-mini'), catalog, byProvider, availability(), thresholds).target).toBeNull();
    expect(
      decideRoute(input('claude-3-5-haiku-latest'), catalog, byProvider, availability(), thresholds).target
        ?.provider,
    ).toBe('anthropic');
    // exclude_models may name a pass-through model
    const excluded: RoutingPolicy = { ...policy, exclude_models: ['gpt-4-0613'] };
    expect(
      decideRoute(input('openai/gpt-4-0613'), catalog, excluded, availability(), thresholds).target,
    ).toBeNull();
  });

  it('answers 503 when the provider of a pass-through model is not configured', () => {
    const decision = decideRoute(
      input('litellm/llama3'),
      catalog,
      policy,
      availability(['litellm']),
      thresholds,
    );
    expect(routingError(decision)?.status).toBe(503);
    expect(decision.reason).toContain('provider litellm is not configured');
  });

  it('still checks the request against the (estimated) limits of a pass-through model', () => {
    const decision = decideRoute(
      input('gpt-3.5-turbo', { requestedMaxOutputTokens: 100_000 }),
      catalog,
      policy,
      availability(),
      thresholds,
    );
    expect(routingError(decision)?.status).toBe(400);
  });

  it('keeps "auto" and the routing aliases for the router', () => {
    for (const name of ['auto', 'AUTO', 'router', 'modelmuxer-auto']) {
      expect(catalog.resolveRequest(name)).toBeNull();
      const decision = decideRoute(input(name), catalog, policy, availability(), thresholds);
      expect(decision.kind).not.toBe('explicit');
      expect(decision.target).not.toBeNull();
    }
  });
});

describe('resolver building blocks', () => {
  it('splits provider prefixes at the first slash only', () => {
    expect(splitProviderPrefix('litellm/meta-llama/Llama-3-70b')).toEqual({
      provider: 'litellm',
      model: 'meta-llama/Llama-3-70b',
    });
    expect(splitProviderPrefix('OpenAI/gpt-4o')).toEqual({ provider: 'openai', model: 'gpt-4o' });
    expect(splitProviderPrefix('acme/gpt-4o')).toBeNull();
    expect(splitProviderPrefix('openai/')).toBeNull();
  });

  it('maps well-known name shapes to providers', () => {
    expect(providerByPattern('o1-preview')?.provider).toBe('openai');
    expect(providerByPattern('o10')).toBeNull();
    expect(providerByPattern('omni')).toBeNull();
    expect(providerByPattern('devstral-small-2505')?.provider).toBe('mistral');
  });

  it('finds the longest family at a word boundary', () => {
    const specs = catalog.list();
    expect(familyOf('gpt-4o-mini-2024-07-18', 'openai', specs)?.id).toBe('gpt-4o-mini');
    expect(familyOf('gpt-4.1-nano-2025-04-14', 'openai', specs)?.id).toBe('gpt-4.1-nano');
    expect(familyOf('gpt-4omni', 'openai', specs)).toBeUndefined();
    // LiteLLM serves other providers' models: any family prices them
    expect(familyOf('gpt-4o', 'litellm', specs)?.id).toBe('gpt-4o');
    expect(
      syntheticModel('litellm', 'gpt-4o', specs, catalog.compatibility().unknown_models).pricingSource,
    ).toBe('family gpt-4o (estimated)');
  });

  it('validates the compatibility section', () => {
    const text = (compat: string) =>
      `models:\n  - { id: m, provider: openai, tier: economy, pricing: { input: 1, output: 1 }, context_window: 100, max_output_tokens: 10, capabilities: { vision: false, tools: false, json_mode: false, streaming: true }, quality: { chat_lite: 0.5, deep_reason: 0.5, code_gen: 0.5, json_extract: 0.5, translation: 0.5, vision: 0.5, safety_risk: 0.5 } }\ncompatibility:\n${compat}`;
    const problems = (compat: string): string[] => {
      try {
        ModelCatalog.fromYaml(text(compat));
      } catch (error) {
        expect(error).toBeInstanceOf(RoutingConfigError);
        return (error as RoutingConfigError).problems;
      }
      return [];
    };
    expect(problems('  legacy:\n    - { match: old-*, successor: nope, note: x }')).toEqual([
      expect.stringContaining("model 'nope' is not in the model catalog"),
    ]);
    expect(problems('  legacy:\n    - { match: old-*, note: x }')[0]).toContain('exactly one of');
    expect(
      problems('  unknown_models: { fallback_pricing: { openai: { input: -1, output: 1 } } }')[0],
    ).toContain('input');
    expect(problems('  legacy:\n    - { match: old-*, successor: m, note: retired }')).toEqual([]);
    const catalogWithLegacy = ModelCatalog.fromYaml(
      text('  legacy:\n    - { match: old-*, successor: m, note: retired }'),
    );
    expect(catalogWithLegacy.resolveRequest('OLD-1')?.entry.spec.id).toBe('m');
  });
});
