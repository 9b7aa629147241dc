import { NON_CHAT_INTENTS } from '../../billing/usage/dashboard-rollups';
import type { RoutingDecision } from '../../routing/routing.types';
import { EMBEDDINGS_USAGE_INTENT } from '../embeddings.service';
import { CACHE_EMBEDDING_USAGE_INTENT, CLASSIFIER_USAGE_INTENT, routingFlags } from './usage-accounting';

const plan = (kind: RoutingDecision['kind'], model = 'gpt-4o-mini') => ({
  plan: {
    chain: [],
    decision: {
      target: { provider: 'openai' as const, model, upstreamModel: model },
      fallbacks: [],
      reason: '',
      estimatedCostUsd: 0,
      budgetDowngraded: false,
      candidates: [],
      refusal: null,
      kind,
    },
  },
});

describe('routingFlags', () => {
  const served = { provider: 'openai' as const, model: 'gpt-4o-mini' };

  it('marks a request auto-routed unless the client named the model', () => {
    expect(routingFlags(plan('direct'), served)).toEqual({ autoRouted: true, fallback: false });
    expect(routingFlags(plan('budget_downgrade'), served).autoRouted).toBe(true);
    expect(routingFlags(plan('explicit'), served)).toEqual({ autoRouted: false, fallback: false });
    expect(routingFlags(plan(undefined), served).autoRouted).toBe(false);
    expect(routingFlags({ plan: null }, served)).toEqual({ autoRouted: false, fallback: false });
  });

  it('marks a fallback when another target than the decision answered', () => {
    expect(routingFlags(plan('explicit', 'gpt-4o'), served)).toEqual({ autoRouted: false, fallback: true });
    expect(routingFlags(plan('direct'), { provider: 'mistral', model: 'gpt-4o-mini' }).fallback).toBe(true);
  });
});

it('the latency roll-up leaves out the usage rows that are not client chat requests', () => {
  expect([...NON_CHAT_INTENTS].sort()).toEqual(
    [CLASSIFIER_USAGE_INTENT, CACHE_EMBEDDING_USAGE_INTENT, EMBEDDINGS_USAGE_INTENT].sort(),
  );
});
