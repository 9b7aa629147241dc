import type { DataSource } from 'typeorm';
import type { Principal } from '../../common/principal';
import { detachedCounter } from '../../../test/support/detached-metrics';
import { loadAppConfig } from '../../config/app-config';
import type { BillingEventsService } from '../events/billing-events.service';
import { BudgetEnforcerService } from './budget-enforcer.service';

const principal: Principal = {
  tenantId: '22222222-2222-2222-2222-222222222222',
  tenantName: 'acme',
  keyId: '11111111-1111-1111-1111-111111111111',
  source: 'database',
  rateLimitPerMinute: 0,
};

function enforcerOver(budgetRows: unknown[]) {
  const queries: string[] = [];
  const dataSource = {
    query: async (text: string) => {
      queries.push(text.trim().split(/\s+/).slice(0, 2).join(' '));
      return text.includes('FROM budgets b') ? budgetRows : [];
    },
  } as unknown as DataSource;
  const events = { subscribe: () => undefined } as unknown as BillingEventsService;
  const enforcer = new BudgetEnforcerService(loadAppConfig({}), dataSource, events, detachedCounter());
  return { enforcer, queries };
}

describe('BudgetEnforcerService without any budget', () => {
  it('answers status and reserve from memory: no query on the request path', async () => {
    const { enforcer, queries } = enforcerOver([]);
    await enforcer.onModuleInit();
    const atStart = queries.length;
    expect(enforcer.status(principal)).toBeNull();
    expect(await enforcer.reserve(principal, 1_000_000, 'r1')).toBeNull();
    expect(queries.length).toBe(atStart);
    enforcer.onModuleDestroy();
  });
});

describe('BudgetEnforcerService status', () => {
  it('reports the in-memory counter of the current period', async () => {
    const { enforcer } = enforcerOver([
      {
        id: 'b1',
        tenant_id: principal.tenantId,
        api_key_id: null,
        label: 'acme',
        period: 'total',
        limit_nano: 1_000,
        soft_limit_ratio: 0.5,
        soft_action: 'downgrade',
        spent_nano: 600,
        reserved_nano: 100,
      },
    ]);
    await enforcer.onModuleInit();
    const status = enforcer.status(principal);
    expect(status?.remainingRatio).toBeCloseTo(0.3, 10);
    expect(status).toMatchObject({ softLimitReached: true, softAction: 'downgrade' });
    expect(enforcer.status({ ...principal, tenantId: 'other', keyId: null })).toBeNull();
    enforcer.onModuleDestroy();
  });
});
