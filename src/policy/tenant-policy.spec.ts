import { GatewayError } from '../common/errors';
import { ModelCatalog } from '../routing/model-catalog';
import { RoutingPolicyService } from '../routing/routing-policy';
import { PII_KINDS } from './pii';
import { applyPiiPolicy, compilePolicy, DEFAULT_TENANT_POLICY, TenantPolicy } from './tenant-policy';

const catalog = ModelCatalog.load('config/models.yaml');
const routing = RoutingPolicyService.load('config/routing.yaml', catalog);

function policy(patch: Partial<TenantPolicy>): TenantPolicy {
  return { ...DEFAULT_TENANT_POLICY, ...patch };
}

describe('compilePolicy', () => {
  it('leaves the default routing policy alone for the default tenant policy', () => {
    expect(compilePolicy(DEFAULT_TENANT_POLICY, catalog, routing, 't').routingPolicy).toBeNull();
  });

  it('excludes every model outside the allowed providers and models, and blocked models', () => {
    const compiled = compilePolicy(
      policy({ allowed_providers: ['openai', 'anthropic'], blocked_models: ['gpt-4o'] }),
      catalog,
      routing,
      't',
    );
    const excluded = new Set(compiled.routingPolicy!.exclude_models);
    for (const spec of catalog.list()) {
      const shouldBeExcluded = spec.provider === 'mistral' || spec.id === 'gpt-4o';
      expect([spec.id, excluded.has(spec.id)]).toEqual([spec.id, shouldBeExcluded]);
    }
  });

  it('resolves aliases in allowed models', () => {
    const codestral = catalog.resolve('codestral')!;
    const compiled = compilePolicy(
      policy({ allowed_models: ['codestral', 'gpt-4o-mini'] }),
      catalog,
      routing,
      't',
    );
    const excluded = new Set(compiled.routingPolicy!.exclude_models);
    expect(excluded.has(codestral.id)).toBe(false);
    expect(excluded.has('gpt-4o-mini')).toBe(false);
    expect(excluded.has('gpt-4o')).toBe(true);
  });

  it('replaces an excluded default model by an allowed one of the same tier', () => {
    const base = routing.policy.default.model;
    const compiled = compilePolicy(policy({ allowed_providers: ['anthropic'] }), catalog, routing, 't');
    const replacement = catalog.resolve(compiled.routingPolicy!.default.model)!;
    expect(replacement.provider).toBe('anthropic');
    expect(replacement.id).not.toBe(base);
  });

  it('maps the safety action onto the routing policy', () => {
    const compiled = compilePolicy(policy({ safety_action: 'allow' }), catalog, routing, 't');
    expect(compiled.routingPolicy!.safety_risk.action).toBe('allow');
  });

  it('rejects a policy that allows nothing, or invalid routing overrides', () => {
    const nothing = policy({ allowed_models: ['gpt-4o'], blocked_models: ['gpt-4o'] });
    expect(() => compilePolicy(nothing, catalog, routing, 't')).toThrow(/allows no model/);
    expect(() =>
      compilePolicy(policy({ routing: { weights: { cost: 0, quality: 0 } } }), catalog, routing, 't'),
    ).toThrow(/weights/);
  });
});

describe('applyPiiPolicy', () => {
  const request = {
    messages: [
      { role: 'system' as const, content: 'Support bot.' },
      {
        role: 'user' as const,
        content: [
          { type: 'text', text: 'I am bob@example.org' },
          { type: 'image_url', image_url: { url: 'https://example.com/a.png' } },
        ],
      },
      { role: 'user' as const, content: 'Card 4111 1111 1111 1111 please' },
    ],
  };

  it('returns the very same request when the policy is off or nothing is found', () => {
    const off = compilePolicy(DEFAULT_TENANT_POLICY, catalog, routing, 't');
    expect(applyPiiPolicy(request, off).request).toBe(request);
    const redact = compilePolicy(
      policy({ pii: { action: 'redact', kinds: ['ssn'] } }),
      catalog,
      routing,
      't',
    );
    expect(applyPiiPolicy(request, redact).request).toBe(request);
  });

  it('redacts text in strings and content parts, without mutating the client request', () => {
    const compiled = compilePolicy(
      policy({ pii: { action: 'redact', kinds: [...PII_KINDS] } }),
      catalog,
      routing,
      't',
    );
    const outcome = applyPiiPolicy(request, compiled);
    expect(outcome.counts).toEqual({ email: 1, credit_card: 1 });
    expect(outcome.request.messages[0]).toBe(request.messages[0]);
    expect(outcome.request.messages[1].content).toEqual([
      { type: 'text', text: 'I am [EMAIL]' },
      { type: 'image_url', image_url: { url: 'https://example.com/a.png' } },
    ]);
    expect(outcome.request.messages[2].content).toBe('Card [CREDIT_CARD] please');
    expect(request.messages[2].content).toBe('Card 4111 1111 1111 1111 please');
  });

  it('refuses with a policy violation when the action is block', () => {
    const compiled = compilePolicy(
      policy({ pii: { action: 'block', kinds: ['email'] } }),
      catalog,
      routing,
      't',
    );
    let error: unknown;
    try {
      applyPiiPolicy(request, compiled);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).code).toBe('policy_violation');
    expect((error as GatewayError).message).toContain('email');
  });
});
