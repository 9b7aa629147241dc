import { ceilingViolations, sameJson } from './policy-ceiling';
import { DEFAULT_TENANT_POLICY, type TenantPolicy } from './tenant-policy';

const canonical = (name: string) => (name === 'fast' ? 'gpt-4o-mini' : name);

function policy(overrides: Partial<TenantPolicy> = {}): TenantPolicy {
  return { ...DEFAULT_TENANT_POLICY, pii: { ...DEFAULT_TENANT_POLICY.pii }, ...overrides };
}

const fields = (ceiling: TenantPolicy, proposed: TenantPolicy) =>
  ceilingViolations(ceiling, proposed, canonical).map((violation) => violation.field);

describe('ceilingViolations', () => {
  it('accepts the ceiling itself and the default under the default', () => {
    expect(fields(policy(), policy())).toEqual([]);
    const ceiling = policy({
      allowed_models: ['gpt-4o-mini', 'gpt-4o'],
      pii: { action: 'redact', kinds: ['email'] },
    });
    expect(fields(ceiling, ceiling)).toEqual([]);
  });

  it('lets allow-lists shrink (aliases count as their model), never grow or disappear', () => {
    const ceiling = policy({ allowed_models: ['gpt-4o-mini', 'gpt-4o'], allowed_providers: ['openai'] });
    expect(fields(ceiling, policy({ allowed_models: ['fast'], allowed_providers: ['openai'] }))).toEqual([]);
    expect(
      fields(
        ceiling,
        policy({ allowed_models: ['gpt-4o', 'claude-3-5-haiku'], allowed_providers: ['openai'] }),
      ),
    ).toEqual(['allowed_models']);
    expect(fields(ceiling, policy({ allowed_models: null, allowed_providers: null }))).toEqual([
      'allowed_models',
      'allowed_providers',
    ]);
    expect(fields(policy(), policy({ allowed_models: ['gpt-4o'] }))).toEqual([]);
  });

  it('lets block-lists grow, never shrink', () => {
    const ceiling = policy({ blocked_models: ['gpt-4o'] });
    expect(fields(ceiling, policy({ blocked_models: ['gpt-4o', 'o1'] }))).toEqual([]);
    expect(fields(ceiling, policy({ blocked_models: [] }))).toEqual(['blocked_models']);
  });

  it('orders PII actions off < redact < block and keeps the screened kinds', () => {
    const ceiling = policy({ pii: { action: 'redact', kinds: ['email', 'phone'] } });
    expect(fields(ceiling, policy({ pii: { action: 'block', kinds: ['email', 'phone', 'ssn'] } }))).toEqual(
      [],
    );
    expect(fields(ceiling, policy({ pii: { action: 'off', kinds: ['email', 'phone'] } }))).toEqual(['pii']);
    expect(fields(ceiling, policy({ pii: { action: 'block', kinds: ['email'] } }))).toEqual(['pii']);
    expect(fields(policy(), policy({ pii: { action: 'redact', kinds: ['email'] } }))).toEqual([]);
  });

  it('orders safety actions allow < routing default < refuse', () => {
    expect(fields(policy(), policy({ safety_action: 'refuse' }))).toEqual([]);
    expect(fields(policy(), policy({ safety_action: 'allow' }))).toEqual(['safety_action']);
    expect(fields(policy({ safety_action: 'refuse' }), policy())).toEqual(['safety_action']);
    expect(fields(policy({ safety_action: 'allow' }), policy())).toEqual([]);
  });

  it('keeps routing overrides, cache settings (but for turning caching off) and unknown fields as set', () => {
    const ceiling = policy({
      routing: { default: { model: 'gpt-4o' } } as TenantPolicy['routing'],
      cache: { ttl_seconds: 60 },
    });
    expect(fields(ceiling, { ...ceiling, routing: null })).toEqual(['routing']);
    expect(fields(ceiling, { ...ceiling, cache: { ttl_seconds: 60, enabled: false } })).toEqual([]);
    expect(fields(ceiling, { ...ceiling, cache: { ttl_seconds: 600 } })).toEqual(['cache']);
    expect(fields(ceiling, { ...ceiling, cache: { ttl_seconds: 60, shared_namespace: 'x' } })).toEqual([
      'cache',
    ]);
    const later = { ...ceiling, max_images: 1 } as TenantPolicy;
    expect(fields(later, { ...later, max_images: 2 } as TenantPolicy)).toEqual(['max_images']);
  });

  it('lets the output cap go down, features off and endpoints fewer, never the other way', () => {
    const ceiling = policy({
      max_output_tokens: 1000,
      features: { streaming: true, tools: false, images: true },
      allowed_endpoints: ['chat_completions', 'embeddings'],
    });
    const narrower = policy({
      max_output_tokens: 500,
      features: { streaming: false, tools: false, images: true },
      allowed_endpoints: ['chat_completions'],
    });
    expect(fields(ceiling, narrower)).toEqual([]);
    const wider = policy({
      max_output_tokens: null,
      features: { streaming: true, tools: true, images: true },
      allowed_endpoints: ['chat_completions', 'messages'],
    });
    expect(fields(ceiling, wider)).toEqual(['allowed_endpoints', 'features', 'max_output_tokens']);
    expect(fields(policy({ max_output_tokens: null }), policy({ max_output_tokens: 4000 }))).toEqual([]);
  });
});

describe('sameJson', () => {
  it('ignores key order and treats null and absent alike', () => {
    expect(sameJson({ a: 1, b: null }, { a: 1 })).toBe(true);
    expect(sameJson({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(true);
    expect(sameJson({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
  });
});
