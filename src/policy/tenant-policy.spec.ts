import { GatewayError } from '../common/errors';
import { ModelCatalog } from '../routing/model-catalog';
import { RoutingPolicyService } from '../routing/routing-policy';
import { PII_KINDS, PII_MAX_SCAN_CHARS } from './pii';
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

  describe('covers every string that is forwarded', () => {
    const compiled = compilePolicy(
      policy({ pii: { action: 'redact', kinds: [...PII_KINDS] } }),
      catalog,
      routing,
      't',
    );
    const EMAIL = 'jane.doe@corp.example';
    const CARD = '4111 1111 1111 1111';
    const hostile = {
      model: 'auto',
      user: `user-${EMAIL}`,
      metadata: { owner: EMAIL, nested: { deep: [CARD] } },
      messages: [
        { role: 'system', content: `Escalate to ${EMAIL}` },
        { role: 'user', name: EMAIL, content: [{ type: 'input_text', text: `card ${CARD}` }] },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'call_1',
              type: 'function',
              function: { name: 'charge', arguments: JSON.stringify({ card: CARD, email: EMAIL }) },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: `charged ${CARD}` },
        {
          role: 'user',
          content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,QUJD', detail: 'low' } }],
        },
      ],
      tools: [
        {
          type: 'function',
          function: {
            name: 'charge',
            description: `Charges a card; questions to ${EMAIL}`,
            parameters: {
              type: 'object',
              properties: { card: { type: 'string', description: `e.g. ${CARD}` } },
            },
          },
        },
      ],
      stop: [EMAIL],
    } as unknown as Parameters<typeof applyPiiPolicy>[0];

    it('leaves no email or card number anywhere in what is forwarded', () => {
      const outcome = applyPiiPolicy(hostile, compiled);
      const forwarded = JSON.stringify(outcome.request);
      expect(forwarded).not.toContain(EMAIL);
      expect(forwarded).not.toContain(CARD);
      expect(forwarded).not.toContain('4111111111111111');
      expect(outcome.counts.email).toBeGreaterThanOrEqual(7);
      expect(outcome.counts.credit_card).toBeGreaterThanOrEqual(5);
      // Identifiers and encoded images are left alone; the client's object is not mutated.
      expect(forwarded).toContain('"tool_call_id":"call_1"');
      expect(forwarded).toContain('data:image/png;base64,QUJD');
      expect(JSON.stringify(hostile)).toContain(EMAIL);
    });

    it('screens at most PII_MAX_SCAN_CHARS per request, across all its texts (413, never unscreened)', () => {
      const slice = 'x'.repeat(Math.ceil(PII_MAX_SCAN_CHARS / 4));
      const messages = Array.from({ length: 5 }, () => ({ role: 'user' as const, content: `${slice} 1` }));
      let error: unknown;
      try {
        applyPiiPolicy({ messages }, compiled);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(GatewayError);
      expect((error as GatewayError).status).toBe(413);
      expect(() => applyPiiPolicy({ messages: messages.slice(0, 3) }, compiled)).not.toThrow();
    });

    it('refuses a request it cannot check completely (fails closed)', () => {
      let deep: unknown = 'x';
      for (let i = 0; i < 200; i++) deep = { deeper: deep };
      expect(() =>
        applyPiiPolicy({ messages: [{ role: 'user', content: 'hi' }], metadata: deep } as never, compiled),
      ).toThrow(/could not be checked/);
    });
  });
});
