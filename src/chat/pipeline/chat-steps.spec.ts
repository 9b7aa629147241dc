import type { BudgetEnforcer } from '../../billing/billing.types';
import type { ChatCacheService } from '../../caching/chat-cache.service';
import type { Principal } from '../../common/principal';
import type { PolicyEnforcer } from '../../policy/policy.types';
import { CHAT_STEP_ORDER } from '../chat.module';
import { newChatCall, type ChatCall, type ChatCallMode, type ChatStep } from './chat-call';
import { AccountStep } from './steps/account.step';
import { CacheLookupStep } from './steps/cache-lookup.step';
import { CacheStoreStep } from './steps/cache-store.step';
import { ClassifyStep } from './steps/classify.step';
import { DecisionLogStep } from './steps/decision-log.step';
import type { DecisionLogService } from '../../routing/lab/decision-log.service';
import { ExecuteStep } from './steps/execute.step';
import { ExperimentStep } from './steps/experiment.step';
import type { ExperimentService } from '../../routing/experiments/experiment.service';
import { PolicyStep } from './steps/policy.step';
import { ReserveStep } from './steps/reserve.step';
import { RespondStep } from './steps/respond.step';
import { RouteStep } from './steps/route.step';
import { ShadowStep } from './steps/shadow.step';
import type { ShadowRunner } from '../../routing/shadow/shadow-runner';

/**
 * Which steps of the chat pipeline apply to a call, in each situation the conductor meets. The
 * steps' collaborators are not called by appliesTo(): stand-ins of the right shape suffice.
 */
const unused = <T>(): T => ({}) as T;
const principal: Principal = {
  tenantId: 't',
  tenantName: 't',
  keyId: null,
  source: 'static',
  rateLimitPerMinute: 0,
};

function steps(composed: { cache: boolean; policy: boolean; experiment?: boolean }): ChatStep[] {
  const cache = composed.cache ? unused<ChatCacheService>() : null;
  const policy = composed.policy ? unused<PolicyEnforcer>() : null;
  const budgets = unused<BudgetEnforcer>();
  return [
    new PolicyStep(policy),
    new ExperimentStep(
      { runs: () => composed.experiment === true } as unknown as ExperimentService,
      policy,
      unused(),
    ),
    new ClassifyStep(unused(), unused(), budgets, unused()),
    new RouteStep(unused(), unused(), budgets),
    new CacheLookupStep(unused(), unused(), unused(), unused(), cache),
    new ReserveStep(budgets, unused()),
    new ExecuteStep(unused(), unused(), unused()),
    new AccountStep(unused(), unused()),
    new DecisionLogStep({ enabled: true } as DecisionLogService, unused(), unused(), policy),
    new CacheStoreStep(),
    new RespondStep(),
    new ShadowStep({ enabled: true } as ShadowRunner, unused(), policy),
  ];
}

function call(mode: ChatCallMode): ChatCall {
  return newChatCall(
    mode,
    { messages: [{ role: 'user', content: 'hi' }] },
    { requestId: 'r', principal, startedAt: 0n, signal: new AbortController().signal },
    { reportIntent: true, simulated: false },
  );
}

const applying = (all: ChatStep[], state: ChatCall): string[] =>
  all.filter((step) => step.appliesTo(state)).map((step) => step.name);

function answered(state: ChatCall, fromCache: boolean): ChatCall {
  state.plan = { decision: {} as never, chain: [] };
  state.outcome = {
    provider: 'openai',
    model: 'gpt-4o-mini',
    target: null,
    attempts: [],
    completion: null,
    chunks: null,
    upstreamMs: 0,
    costNano: 0,
    usageEstimated: false,
    fromCache,
  };
  return state;
}

describe('chat pipeline steps', () => {
  it('are wired in the documented order', () => {
    expect(CHAT_STEP_ORDER).toEqual([
      PolicyStep,
      ExperimentStep,
      ClassifyStep,
      RouteStep,
      CacheLookupStep,
      ReserveStep,
      ExecuteStep,
      AccountStep,
      DecisionLogStep,
      CacheStoreStep,
      RespondStep,
      ShadowStep,
    ]);
  });

  it('before an answer, a completion runs the deciding steps, the cache lookup, reserve and execute', () => {
    expect(applying(steps({ cache: true, policy: true }), call('complete'))).toEqual([
      'policy',
      'classify',
      'route',
      'cache_lookup',
      'reserve',
      'execute',
    ]);
    expect(applying(steps({ cache: false, policy: false }), call('complete'))).toEqual([
      'classify',
      'route',
      'reserve',
      'execute',
    ]);
  });

  it('a tenant running an A/B experiment gets the experiment step, after policy and before classify', () => {
    expect(
      applying(steps({ cache: false, policy: true, experiment: true }), call('explain')).slice(0, 3),
    ).toEqual(['policy', 'experiment', 'classify']);
  });

  it('a stream looks in the cache too (a hit is replayed as SSE)', () => {
    expect(applying(steps({ cache: true, policy: true }), call('stream'))).toContain('cache_lookup');
  });

  it('after a cache hit, only the decision log and respond apply: no reservation, no upstream call, no accounting twice', () => {
    const hit = answered(call('complete'), true);
    expect(applying(steps({ cache: true, policy: true }), hit).slice(3)).toEqual(['decision_log', 'respond']);
  });

  it('after an upstream answer, account, the decision log, store (with a key) and respond apply', () => {
    const done = answered(call('complete'), false);
    done.cache = { status: 'MISS', store: () => undefined } as unknown as ChatCall['cache'];
    expect(applying(steps({ cache: true, policy: true }), done).slice(3)).toEqual([
      'account',
      'decision_log',
      'cache_store',
      'respond',
    ]);
  });

  it('explain stops at the decision', () => {
    expect(applying(steps({ cache: true, policy: true }), call('explain'))).toEqual([
      'policy',
      'classify',
      'route',
    ]);
  });

  it('the shadow applies last, once the response is built (never to explain), and only when it is on', () => {
    const done = answered(call('complete'), false);
    done.response = { kind: 'json', headers: {}, body: {} as never };
    expect(applying(steps({ cache: false, policy: true }), done).slice(-2)).toEqual(['respond', 'shadow']);
    const off = new ShadowStep({ enabled: false } as ShadowRunner, unused(), null);
    expect(off.appliesTo(done)).toBe(false);
    const explained = answered(call('explain'), false);
    explained.response = done.response;
    expect(applying(steps({ cache: false, policy: true }), explained)).not.toContain('shadow');
  });
});
