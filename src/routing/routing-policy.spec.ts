import { RoutingConfigError } from './config-reader';
import { ModelCatalog } from './model-catalog';
import {
  DEFAULT_REFUSAL_MESSAGE,
  mergeRoutingPolicy,
  parseRoutingPolicyOverride,
  POLICY_DEFAULTS,
  RoutingPolicyService,
} from './routing-policy';

const catalog = ModelCatalog.load('config/models.yaml');

const MINIMAL = `
weights: { cost: 1, quality: 1 }
default: { model: gpt-4.1-mini, min_quality: 0.7, preferred_tier: economy, expected_output_tokens: 400 }
intents:
  chat_lite: { min_quality: 0.6, preferred_tier: economy }
  deep_reason: { min_quality: 0.85, preferred_tier: reasoning, expected_output_tokens: 1500 }
  code_gen: { min_quality: 0.8, preferred_tier: standard, prefer: [codestral] }
  json_extract: { min_quality: 0.75, preferred_tier: economy }
  translation: { min_quality: 0.75, preferred_tier: economy }
  vision: { min_quality: 0.75, preferred_tier: economy }
  safety_risk: { min_quality: 0.85, preferred_tier: standard }
`;

function problemsOf(text: string): string[] {
  try {
    RoutingPolicyService.fromYaml(text, catalog, 'config/routing.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(RoutingConfigError);
    expect((error as Error).message).toContain('config/routing.yaml');
    return (error as RoutingConfigError).problems;
  }
  throw new Error('expected the policy to be rejected');
}

describe('routing policy', () => {
  it('loads the shipped config/routing.yaml', () => {
    const { policy } = RoutingPolicyService.load('config/routing.yaml', catalog);
    expect(policy.safety_risk.action).toBe('refuse');
    expect(policy.default.model).toBe('gpt-4.1-mini');
    expect(policy.intents.code_gen).toMatchObject({ min_quality: 0.8, preferred_tier: 'standard' });
    expect(policy.explicit_models.allow_override).toBe(false);
  });

  it('fills optional sections and fields with documented defaults', () => {
    const { policy } = RoutingPolicyService.fromYaml(MINIMAL, catalog);
    expect(policy.budget).toEqual(POLICY_DEFAULTS.budget);
    expect(policy.fallbacks).toEqual(POLICY_DEFAULTS.fallbacks);
    expect(policy.explicit_models).toEqual(POLICY_DEFAULTS.explicit_models);
    expect(policy.safety_risk).toEqual({
      action: 'refuse',
      model: null,
      min_confidence: null,
      message: DEFAULT_REFUSAL_MESSAGE,
    });
    expect(policy.exclude_models).toEqual([]);
    // An intent without its own expectation uses the default route's.
    expect(policy.intents.chat_lite.expected_output_tokens).toBe(400);
    expect(policy.intents.deep_reason.expected_output_tokens).toBe(1500);
    expect(policy.intents.code_gen.prefer).toEqual(['codestral']);
    expect(policy.intents.chat_lite.prefer).toEqual([]);
  });

  it.each([
    [
      'a missing required section',
      MINIMAL.replace('weights: { cost: 1, quality: 1 }', ''),
      'policy: weights is missing',
    ],
    ['a missing intent', MINIMAL.replace(/ {2}vision: .*\n/, ''), 'policy: intents: vision is missing'],
    [
      'an unknown intent',
      MINIMAL + '  poetry: { min_quality: 0.5, preferred_tier: economy }\n',
      "policy: intents: unknown field 'poetry'",
    ],
    [
      'a quality bar above 1',
      MINIMAL.replace('min_quality: 0.6', 'min_quality: 6'),
      'policy: intents: chat_lite: min_quality must be ≤ 1 (got 6)',
    ],
    [
      'an unknown tier',
      MINIMAL.replace('preferred_tier: reasoning', 'preferred_tier: genius'),
      'policy: intents: deep_reason: preferred_tier must be one of economy, standard, premium, reasoning (got "genius")',
    ],
    [
      'an unknown safety action',
      MINIMAL + 'safety_risk: { action: ignore }\n',
      'policy: safety_risk: action must be one of refuse, allow, route (got "ignore")',
    ],
    [
      'a budget fraction above 1',
      MINIMAL + 'budget: { downgrade_below: 20 }\n',
      'policy: budget: downgrade_below must be ≤ 1 (got 20)',
    ],
  ])('rejects %s', (_name, text, expected) => {
    expect(problemsOf(text)).toContain(expected);
  });

  it.each([
    [
      'an unknown default model',
      MINIMAL.replace('model: gpt-4.1-mini', 'model: gpt-9'),
      "default.model: model 'gpt-9' is not in the model catalog",
    ],
    [
      'an unknown preferred model',
      MINIMAL.replace('prefer: [codestral]', 'prefer: [codestral-9]'),
      "intents.code_gen.prefer: model 'codestral-9' is not in the model catalog",
    ],
    [
      'route without a model',
      MINIMAL + 'safety_risk: { action: route }\n',
      'safety_risk: model is required when action is route',
    ],
    [
      'zero weights',
      MINIMAL.replace('{ cost: 1, quality: 1 }', '{ cost: 0, quality: 0 }'),
      'weights: cost and quality must not both be 0',
    ],
    [
      'an excluded default model',
      MINIMAL + 'exclude_models: [gpt-4.1-mini]\n',
      'default.model: is listed in exclude_models',
    ],
  ])('cross-checks the catalog: rejects %s', (_name, text, expected) => {
    expect(problemsOf(text)).toContain(expected);
  });

  describe('mergeRoutingPolicy', () => {
    const base = RoutingPolicyService.fromYaml(MINIMAL, catalog).policy;
    const snapshot = structuredClone(base);

    it('merges field by field and intent by intent, replaces lists, and leaves the base untouched', () => {
      const merged = mergeRoutingPolicy(base, {
        weights: { quality: 3 },
        intents: { code_gen: { min_quality: 0.9 } },
        safety_risk: { action: 'route', model: 'claude-haiku-4-5' },
        exclude_models: ['o3'],
      });
      expect(merged.weights).toEqual({ cost: 1, quality: 3 });
      expect(merged.intents.code_gen).toEqual({ ...base.intents.code_gen, min_quality: 0.9 });
      expect(merged.intents.chat_lite).toBe(base.intents.chat_lite);
      expect(merged.safety_risk).toEqual({ ...base.safety_risk, action: 'route', model: 'claude-haiku-4-5' });
      expect(merged.exclude_models).toEqual(['o3']);
      expect(base).toEqual(snapshot);
    });

    it('returns the base for an empty override', () => {
      expect(mergeRoutingPolicy(base, undefined)).toBe(base);
      expect(mergeRoutingPolicy(base, {})).toEqual(base);
    });

    it('validates tenant overrides (partial) and their references through the service', () => {
      const service = RoutingPolicyService.fromYaml(MINIMAL, catalog);
      expect(service.withOverride({ budget: { downgrade_below: 0.5 } }).budget.downgrade_below).toBe(0.5);
      expect(() => service.withOverride({ budget: { downgrade_below: 'half' } }, 'tenant acme')).toThrow(
        /tenant acme[\s\S]*downgrade_below must be a number/,
      );
      expect(() => service.withOverride({ default: { model: 'nope' } }, 'tenant acme')).toThrow(
        /default.model: model 'nope' is not in the model catalog/,
      );
      expect(parseRoutingPolicyOverride(null, 'x')).toEqual({});
      expect(() => parseRoutingPolicyOverride({ colour: 'red' }, 'x')).toThrow(/unknown field 'colour'/);
    });
  });
});
