import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IntentLabel } from '../common/intent-labels';
import type { ProviderKey } from '../common/provider-keys';
import { RoutingConfigError } from './config-reader';
import { catalogModelOf } from './discovered-routing';
import { discoveredModels, readModelIds, readModelInfo } from './litellm-discovery';
import { ModelCatalog } from './model-catalog';
import { decideRoute } from './routing-decision';
import { RoutingPolicyService } from './routing-policy';
import type { RoutingPolicyOverride } from './routing-policy';
import type { RoutingDecision, RoutingInput } from './routing.types';
import type { ProviderAvailability } from '../providers/provider.types';

/**
 * Discovered (LiteLLM) models in auto-routing: which qualify (tier, price, capabilities, context
 * window known), and how the decision treats them. The /model/info rows have the shape LiteLLM's
 * proxy answers with (one row per deployment, `null` for what its cost map does not know).
 */

const CATALOG = `
auto_aliases: []
models:
  - id: mini
    provider: openai
    upstream_id: gpt-4o-mini
    tier: economy
    pricing: { input: 0.15, output: 0.6 }
    context_window: 128000
    max_output_tokens: 16384
    capabilities: { vision: true, tools: true, json_mode: true, streaming: true }
    quality: { chat_lite: 0.8, deep_reason: 0.6, code_gen: 0.7, json_extract: 0.8, translation: 0.8, vision: 0.8, safety_risk: 0.8 }
  - id: coder
    provider: mistral
    tier: standard
    pricing: { input: 0.3, output: 0.9 }
    context_window: 256000
    max_output_tokens: 32000
    capabilities: { vision: false, tools: true, json_mode: true, streaming: true }
    quality: { chat_lite: 0.7, deep_reason: 0.7, code_gen: 0.85, json_extract: 0.8, translation: 0.7, vision: 0, safety_risk: 0.8 }
  - id: big
    provider: anthropic
    upstream_id: claude-sonnet-4-6
    tier: premium
    pricing: { input: 3, output: 15 }
    context_window: 200000
    max_output_tokens: 64000
    capabilities: { vision: true, tools: true, json_mode: true, streaming: true }
    quality: { chat_lite: 0.9, deep_reason: 0.9, code_gen: 0.92, json_extract: 0.9, translation: 0.9, vision: 0.9, safety_risk: 0.9 }
discovered:
  catalog_families: true
  rules:
    - match: "*llama-3.3-70b*"
      tier: standard
      quality: { default: 0.82, vision: 0 }
    - match: litellm/house-*
      like: mini
      pricing: { input: 0.01, output: 0.02 }
      context_window: 32000
    - match: "*-preview"
      auto: false
`;

/** What a LiteLLM proxy's GET /model/info answers (abridged to the fields discovery reads, plus noise). */
function infoRow(name: string, underlying: string, info: Record<string, unknown>) {
  return {
    model_name: name,
    litellm_params: { model: underlying, api_base: 'https://api.example.invalid' },
    model_info: {
      id: `${name}-deployment-id`,
      db_model: false,
      key: underlying,
      max_tokens: null,
      max_input_tokens: null,
      max_output_tokens: null,
      input_cost_per_token: null,
      output_cost_per_token: null,
      litellm_provider: underlying.split('/')[0],
      mode: 'chat',
      supports_vision: null,
      supports_function_calling: null,
      supports_response_schema: null,
      supports_system_messages: null,
      ...info,
    },
  };
}

const MODEL_INFO = {
  data: [
    infoRow('llama-3.3-70b', 'groq/llama-3.3-70b-versatile', {
      max_tokens: 32768,
      max_input_tokens: 128000,
      max_output_tokens: 32768,
      input_cost_per_token: 5.9e-7,
      output_cost_per_token: 7.9e-7,
      supports_function_calling: true,
      supports_vision: false,
      // supports_response_schema unknown (null): auto-routing does not offer it JSON mode
    }),
    // a second deployment of the same name: the first row wins
    infoRow('llama-3.3-70b', 'together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo', {
      input_cost_per_token: 9e-7,
      output_cost_per_token: 9e-7,
    }),
    // the proxy serves a catalog model under its own name, with its own (lower) price
    infoRow('team-mini', 'openai/gpt-4o-mini-2024-07-18', {
      max_input_tokens: 128000,
      max_output_tokens: 16384,
      input_cost_per_token: 1e-7,
      output_cost_per_token: 4e-7,
      supports_vision: true,
      supports_function_calling: true,
      supports_response_schema: true,
    }),
    // a catalog model with no cost known to the proxy: the catalog price, flagged estimated
    infoRow('sonnet', 'anthropic/claude-sonnet-4-6', {}),
    // a prefix-only relative of a catalog model is another model: no tier
    infoRow('mini-tts', 'openai/gpt-4o-mini-tts', {
      input_cost_per_token: 6e-7,
      output_cost_per_token: 1.2e-5,
    }),
    infoRow('house-7b', 'ollama/house-7b', {}),
    infoRow('mystery', 'vllm/mystery', { input_cost_per_token: 1e-7, output_cost_per_token: 1e-7 }),
    infoRow('embed', 'openai/text-embedding-3-small', {
      mode: 'embedding',
      input_cost_per_token: 2e-8,
      output_cost_per_token: 0,
    }),
    infoRow('llama-4-preview', 'groq/llama-4-preview', {
      max_input_tokens: 128000,
      input_cost_per_token: 1e-7,
      output_cost_per_token: 1e-7,
    }),
  ],
};

const MODEL_LIST = {
  object: 'list',
  data: [
    'llama-3.3-70b',
    'team-mini',
    'sonnet',
    'mini-tts',
    'house-7b',
    'mystery',
    'embed',
    'llama-4-preview',
    'no-info',
  ].map((id) => ({ id, object: 'model', created: 1677610602, owned_by: 'openai' })),
};

function discoveredCatalog(yaml = CATALOG): ModelCatalog {
  const catalog = ModelCatalog.fromYaml(yaml);
  catalog.setDiscovered(discoveredModels(readModelIds(MODEL_LIST), readModelInfo(MODEL_INFO), catalog));
  return catalog;
}

const catalog = discoveredCatalog();

const POLICY = `
weights: { cost: 0.7, quality: 0.3 }
default: { model: mini, min_quality: 0.7, preferred_tier: economy, expected_output_tokens: 400 }
intents:
  chat_lite: { min_quality: 0.6, preferred_tier: economy, expected_output_tokens: 200 }
  deep_reason: { min_quality: 0.85, preferred_tier: premium, expected_output_tokens: 1000 }
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
const policies = RoutingPolicyService.fromYaml(POLICY, catalog);

function availability(o: { unconfigured?: ProviderKey[]; open?: string[] } = {}): ProviderAvailability {
  return {
    isProviderConfigured: (provider) => !(o.unconfigured ?? []).includes(provider),
    isCircuitOpen: (target) => (o.open ?? []).includes(target.model),
  };
}

function input(label: IntentLabel | null, extra: Partial<RoutingInput> = {}): RoutingInput {
  return {
    requestedModel: 'auto',
    intent: { label, confidence: 0.95, signals: null, method: 'heuristic' },
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
  o: { avail?: ProviderAvailability; policy?: RoutingPolicyOverride; on?: ModelCatalog } = {},
): RoutingDecision {
  const policy = o.policy ? policies.withOverride(o.policy) : policies.policy;
  return decideRoute(routingInput, o.on ?? catalog, policy, o.avail ?? availability(), {
    lowConfidence: 0.4,
    minConfForDirect: 0.7,
  });
}

const auto = (id: string) => catalog.resolveRequest(id)!.entry.autoRouting;

describe('discovered models in auto-routing', () => {
  describe('qualification (what routing needs is known)', () => {
    it('qualifies a model whose tier comes from a rule and price, window and capabilities from /model/info', () => {
      expect(auto('litellm/llama-3.3-70b')).toEqual({
        candidate: true,
        basis:
          "tier standard from discovered rule '*llama-3.3-70b*'; price from litellm /model/info; " +
          'context window from /model/info; capabilities from /model/info (json_mode unknown: not offered)',
        unknownCapabilities: ['json_mode'],
      });
      const entry = catalog.resolveRequest('llama-3.3-70b')!.entry;
      expect(entry.spec).toEqual(
        expect.objectContaining({
          tier: 'standard',
          pricing: { input: 0.59, output: 0.79 },
          context_window: 128000,
          max_output_tokens: 32768,
        }),
      );
      expect(entry.spec.quality).toEqual(expect.objectContaining({ code_gen: 0.82, vision: 0 }));
      expect(entry.pricingKind).toBe('list');
    });

    it('takes tier and quality from the catalog model named by litellm_params.model (a dated snapshot too)', () => {
      expect(catalogModelOf('openai/gpt-4o-mini-2024-07-18', catalog.list())?.id).toBe('mini');
      expect(catalogModelOf('anthropic/claude-sonnet-4-6', catalog.list())?.id).toBe('big');
      // another provider's prefix, or a longer name, is not that model
      expect(catalogModelOf('mistral/gpt-4o-mini', catalog.list())).toBeUndefined();
      expect(catalogModelOf('openai/gpt-4o-mini-tts', catalog.list())).toBeUndefined();
      expect(catalogModelOf('azure/gpt-4o-mini', catalog.list())?.id).toBe('mini');

      const team = catalog.resolveRequest('team-mini')!.entry;
      expect(team.autoRouting).toEqual(expect.objectContaining({ candidate: true, unknownCapabilities: [] }));
      expect((team.autoRouting as { basis: string }).basis).toContain(
        'tier economy from catalog model mini (litellm_params.model openai/gpt-4o-mini-2024-07-18)',
      );
      expect(team.spec.quality).toEqual(catalog.resolve('mini')!.quality);
      // no price in /model/info: the catalog model's, flagged estimated (reserved at 2×)
      const sonnet = catalog.resolveRequest('sonnet')!.entry;
      expect(sonnet.autoRouting?.candidate).toBe(true);
      expect(sonnet.pricingKind).toBe('estimated');
      expect(sonnet.pricingSource).toBe('family big (estimated)');
      expect(sonnet.reservePricing).toEqual({ input: 6, output: 30 });
    });

    it('uses a rule with `like` and its own price and window; rule facts win over /model/info', () => {
      const house = catalog.resolveRequest('house-7b')!.entry;
      expect(house.autoRouting?.candidate).toBe(true);
      expect(house.spec.tier).toBe('economy');
      expect(house.spec.pricing).toEqual({ input: 0.01, output: 0.02 });
      expect(house.pricingSource).toBe("models.yaml discovered rule 'litellm/house-*'");
      expect(house.spec.context_window).toBe(32000);
      // nothing states its capabilities: by name they are left to the upstream, auto never counts on them
      expect(house.autoRouting).toEqual(
        expect.objectContaining({ unknownCapabilities: ['vision', 'tools', 'json_mode'] }),
      );
    });

    it('qualifies a model of LITELLM_MODELS on a proxy without /model/info when a rule gives every fact', () => {
      const other = ModelCatalog.fromYaml(CATALOG);
      other.setDiscovered(discoveredModels(['house-7b', 'llama-3.3-70b'], new Map(), other));
      expect(other.resolveRequest('house-7b')!.entry.autoRouting?.candidate).toBe(true);
      expect(other.resolveRequest('llama-3.3-70b')!.entry.autoRouting).toEqual({
        candidate: false,
        reason:
          'explicit only: no price (none in /model/info, a discovered rule or its catalog model); no context window (no max_input_tokens in /model/info, none in a discovered rule or its catalog model)',
      });
    });

    it.each([
      ['mini-tts', 'no tier/quality'],
      ['mystery', 'no tier/quality'],
      ['no-info', 'no price'],
      ['embed', "/model/info mode 'embedding' is not a chat model"],
      ['llama-4-preview', "discovered rule '*-preview' sets auto: false"],
    ])('keeps %s explicit-only and says why (%s)', (id, why) => {
      const routing = auto(id);
      expect(routing).toEqual({ candidate: false, reason: expect.stringContaining(why) });
      expect(catalog.autoEntries().map((entry) => entry.spec.id)).not.toContain(`litellm/${id}`);
    });

    it('needs a context window: a priced, tiered model without max_input_tokens stays explicit-only', () => {
      const yaml = CATALOG.replace('  rules:\n', '  rules:\n    - { match: mystery, like: coder }\n');
      const other = discoveredCatalog(yaml);
      expect(other.resolveRequest('mystery')!.entry.autoRouting).toEqual({
        candidate: false,
        reason:
          'explicit only: no context window (no max_input_tokens in /model/info, none in a discovered rule or its catalog model)',
      });
    });

    it('a rule without tier adds facts to the catalog model the proxy serves', () => {
      const yaml = CATALOG.replace(
        '  rules:\n',
        '  rules:\n    - { match: sonnet, pricing: { input: 2, output: 10 } }\n',
      );
      const sonnet = discoveredCatalog(yaml).resolveRequest('sonnet')!.entry;
      expect(sonnet.spec.tier).toBe('premium');
      expect(sonnet.pricingKind).toBe('list');
      expect((sonnet.autoRouting as { basis: string }).basis).toContain(
        "tier premium from catalog model big (litellm_params.model anthropic/claude-sonnet-4-6); price from models.yaml discovered rule 'sonnet'",
      );
    });

    it('with catalog_families: false only rules give a tier', () => {
      const other = discoveredCatalog(CATALOG.replace('catalog_families: true', 'catalog_families: false'));
      expect(other.resolveRequest('team-mini')!.entry.autoRouting?.candidate).toBe(false);
      expect(other.resolveRequest('llama-3.3-70b')!.entry.autoRouting?.candidate).toBe(true);
    });

    it('validates the discovered section at start-up', () => {
      const bad = CATALOG.replace(
        '  rules:\n',
        '  rules:\n    - { match: a, tier: huge, quality: { default: 2 } }\n    - { match: b, like: nope }\n    - { match: c, quality: { code_gen: 0.8 }, tier: economy }\n    - { match: d, tier: economy }\n',
      );
      expect(() => ModelCatalog.fromYaml(bad)).toThrow(RoutingConfigError);
      try {
        ModelCatalog.fromYaml(bad);
      } catch (error) {
        expect((error as RoutingConfigError).problems).toEqual([
          expect.stringContaining("discovered.rules[0] 'a': tier must be one of"),
          expect.stringContaining("discovered.rules[0] 'a': quality: default must be ≤ 1"),
          "discovered.rules[1] 'b': like model 'nope' is not in the model catalog",
          "discovered.rules[2] 'c': quality: chat_lite is missing (or give `default`)",
          "discovered.rules[3] 'd': quality is missing",
        ]);
      }
    });
  });

  it('the example of docs/routing.md loads on the shipped catalog', () => {
    const root = join(__dirname, '..', '..');
    const shipped = readFileSync(join(root, 'config', 'models.yaml'), 'utf8');
    const example = readFileSync(join(root, 'docs', 'routing.md'), 'utf8')
      .split('```yaml\ndiscovered:\n')[1]
      .split('```')[0];
    const section = 'discovered:\n  catalog_families: true\n  rules: []\n';
    expect(shipped).toContain(section);
    const loaded = ModelCatalog.fromYaml(shipped.replace(section, `discovered:\n${example}`));
    expect(loaded.discoveredRouting().rules.map((rule) => [rule.match, rule.tier, rule.auto])).toEqual([
      ['*llama-3.3-70b*', 'standard', true],
      ['ollama/*', 'economy', true],
      ['*-preview', null, false],
    ]);
  });

  describe('the decision', () => {
    it('picks a qualified discovered model like a catalog model: cheapest meeting the floor, and says why', () => {
      const decision = decide(input('code_gen'));
      expect(decision.target?.model).toBe('litellm/llama-3.3-70b');
      expect(decision.reason).toContain(
        'code_gen (0.95) → litellm/llama-3.3-70b: cheapest model with code_gen quality ≥ 0.8',
      );
      expect(decision.reason).toContain(
        "discovered LiteLLM model: tier standard from discovered rule '*llama-3.3-70b*'",
      );
      // the catalog models remain the fallbacks (the proxy failing falls back to them)
      expect(decision.fallbacks.map((t) => t.model)).toEqual(expect.arrayContaining(['coder']));
      expect(decision.fallbacks.some((t) => t.provider !== 'litellm')).toBe(true);
    });

    it('cheaper discovered deployment of a catalog model wins the economy route', () => {
      const decision = decide(input('chat_lite'));
      expect(decision.target?.model).toBe('litellm/house-7b');
      const withoutHouse = decide(input('chat_lite'), {
        policy: { exclude_models: ['litellm/house-7b'] },
      });
      expect(withoutHouse.target?.model).toBe('litellm/team-mini');
    });

    it('prefers the catalog model to a discovered deployment of it at the same (estimated) price', () => {
      const other = ModelCatalog.fromYaml(CATALOG);
      const info = readModelInfo({ data: [infoRow('copy', 'openai/gpt-4o-mini', {})] });
      other.setDiscovered(discoveredModels(['copy'], info, other));
      expect(other.resolveRequest('copy')!.entry.spec.pricing).toEqual(other.resolve('mini')!.pricing);
      const decision = decide(input('chat_lite'), { on: other });
      expect(decision.target?.model).toBe('mini');
      expect(decision.fallbacks.map((t) => t.model)).toContain('litellm/copy');
    });

    it('never counts on a capability nothing states', () => {
      const json = decide(input('code_gen', { needsJsonMode: true }));
      expect(json.target?.model).toBe('coder');
      expect(json.candidates.find((c) => c.model === 'litellm/llama-3.3-70b')).toEqual(
        expect.objectContaining({
          eligible: false,
          reason: 'no JSON mode known (stated by neither /model/info nor models.yaml)',
        }),
      );
      // by name, the client's choice is honoured (the upstream decides)
      const named = decide(input('code_gen', { needsJsonMode: true, requestedModel: 'llama-3.3-70b' }));
      expect(named.target?.model).toBe('litellm/llama-3.3-70b');
      // a stated capability counts; vision stated false excludes it
      expect(decide(input('chat_lite', { needsTools: true })).target?.model).toBe('litellm/team-mini');
      expect(decide(input('vision', { needsVision: true })).target?.model).toBe('litellm/team-mini');
    });

    it('applies the tenant allow-list and the excluded providers', () => {
      const policy = {
        ...policies.withOverride({}),
        allow_only: { providers: ['openai', 'mistral'] as ProviderKey[], models: null },
      };
      const restricted = decideRoute(input('code_gen'), catalog, policy, availability(), {
        lowConfidence: 0.4,
        minConfForDirect: 0.7,
      });
      expect(restricted.target?.model).toBe('coder');
      expect(restricted.candidates.find((c) => c.model === 'litellm/llama-3.3-70b')?.reason).toBe(
        'excluded by policy',
      );
      expect(
        decide(input('code_gen'), { avail: availability({ unconfigured: ['litellm'] }) }).target?.model,
      ).toBe('coder');
    });

    it('moves down to a discovered economy model when the budget runs low', () => {
      const decision = decide(input('code_gen', { budgetRemainingRatio: 0.1 }));
      expect(decision.budgetDowngraded).toBe(true);
      expect(decision.target?.model).toBe('litellm/house-7b');
    });

    it('only the catalog when nothing qualifies (and after a discovery round drops the models)', () => {
      const other = ModelCatalog.fromYaml(CATALOG);
      expect(other.autoEntries()).toBe(other.entries());
      other.setDiscovered(discoveredModels(['llama-3.3-70b'], readModelInfo(MODEL_INFO), other));
      expect(other.autoEntries()).toHaveLength(4);
      other.setDiscovered(discoveredModels(['no-info'], new Map(), other));
      expect(other.autoEntries()).toBe(other.entries());
      expect(decide(input('code_gen'), { on: other }).target?.model).toBe('coder');
    });
  });
});
