import type { Request, Response } from 'express';
import { ErrorCode } from '../../common/errors';
import { REFUSAL_CODES, refusalEvent } from './refusals';

const principal = {
  tenantId: '11111111-1111-4111-8111-111111111111',
  tenantName: 't',
  keyId: '22222222-2222-4222-8222-222222222222',
  source: 'database' as const,
  rateLimitPerMinute: 0,
};

function exchange(options: { principal?: boolean; body?: unknown; headers?: Record<string, string> } = {}) {
  const request = {
    id: 'req-1',
    body: options.body,
    principal: options.principal === false ? undefined : principal,
  };
  const headers = options.headers ?? {};
  const response = { statusCode: 429, getHeader: (name: string) => headers[name] };
  return [request as unknown as Request, response as unknown as Response] as const;
}

describe('refusals', () => {
  it('counts exactly the policy, safety, access, budget and limit codes', () => {
    const counted = Object.values(ErrorCode).filter((code) => REFUSAL_CODES.has(code));
    expect(counted.sort()).toEqual(
      [
        'budget_exceeded',
        'concurrency_limit_exceeded',
        'content_policy_violation',
        'permission_denied',
        'policy_violation',
        'rate_limit_exceeded',
        'tenant_suspended',
      ].sort(),
    );
    for (const code of Object.values(ErrorCode)) {
      expect(refusalEvent(...exchange(), code) !== null).toBe(REFUSAL_CODES.has(code));
    }
  });

  it('needs a client principal (admin routes and unauthenticated requests are not counted)', () => {
    expect(refusalEvent(...exchange({ principal: false }), ErrorCode.RateLimited)).toBeNull();
  });

  it('records the routed model when routing ran, else the one asked for; no tokens, no cost', () => {
    const asked = refusalEvent(...exchange({ body: { model: 'gpt-4o' } }), ErrorCode.BudgetExceeded);
    expect(asked).toMatchObject({
      tenantId: principal.tenantId,
      apiKeyId: principal.keyId,
      model: 'gpt-4o',
      provider: '',
      intent: null,
      costNano: 0,
      promptTokens: 0,
      status: 429,
      refusal: 'budget_exceeded',
    });
    const routed = refusalEvent(
      ...exchange({
        body: { model: 'auto' },
        headers: {
          'x-modelmuxer-model': 'claude-3-5-haiku-latest',
          'x-modelmuxer-provider': 'anthropic',
          'x-modelmuxer-intent': 'code',
        },
      }),
      ErrorCode.BudgetExceeded,
    );
    expect(routed).toMatchObject({ model: 'claude-3-5-haiku-latest', provider: 'anthropic', intent: 'code' });
    expect(refusalEvent(...exchange({ body: { model: 42 } }), ErrorCode.RateLimited)?.model).toBe('');
  });
});
