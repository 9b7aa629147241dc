import type { ChatCompletion, ChatCompletionRequest } from '../common/openai/chat.types';
import type {
  CompletionExecution,
  EmbeddingExecution,
  ProviderCallOptions,
  ProviderExecutor,
  StreamExecution,
} from '../providers/provider.types';
import type { ProviderKey } from '../common/provider-keys';
import type { RouteTarget } from '../routing/routing.types';
import { LruCache, ProviderIntentLlmFallback, classifyWithTimeout, parseLlmIntent } from './llm-fallback';
import type { IntentLlmFallback } from './llm-fallback';

const TARGET: RouteTarget = { provider: 'openai', model: 'gpt-4o-mini', upstreamModel: 'gpt-4o-mini' };

function completion(content: string | null): ChatCompletion {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 0,
    model: 'gpt-4o-mini',
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
  };
}

/** An in-process ProviderExecutor: answers from a script, records calls, can hang or fail. */
class FakeExecutor implements ProviderExecutor {
  calls: Array<{ chain: RouteTarget[]; request: ChatCompletionRequest; options: ProviderCallOptions }> = [];
  configured = true;
  circuitOpen = false;
  reply: (request: ChatCompletionRequest, options: ProviderCallOptions) => Promise<ChatCompletion> =
    async () => completion('{"label": "deep_reason", "confidence": 0.8}');

  isProviderConfigured(_provider: ProviderKey): boolean {
    return this.configured;
  }
  isCircuitOpen(_target: RouteTarget): boolean {
    return this.circuitOpen;
  }
  async complete<T extends RouteTarget>(
    chain: T[],
    request: ChatCompletionRequest,
    options: ProviderCallOptions,
  ): Promise<CompletionExecution<T>> {
    this.calls.push({ chain, request, options });
    return { target: chain[0], completion: await this.reply(request, options), attempts: [], upstreamMs: 1 };
  }
  async stream<T extends RouteTarget>(): Promise<StreamExecution<T>> {
    throw new Error('not used');
  }
  async embed<T extends RouteTarget>(): Promise<EmbeddingExecution<T>> {
    throw new Error('not used');
  }
}

const request = (text: string): ChatCompletionRequest => ({ messages: [{ role: 'user', content: text }] });
const never = new AbortController().signal;

function fallbackWith(
  executor: FakeExecutor,
  resolve: (id: string) => RouteTarget | undefined = () => TARGET,
) {
  return new ProviderIntentLlmFallback(executor, resolve, { model: 'gpt-4o-mini', cacheSize: 2 });
}

describe('parseLlmIntent', () => {
  it('reads a strict JSON answer', () => {
    expect(parseLlmIntent('{"label":"code_gen","confidence":0.91}')).toEqual({
      label: 'code_gen',
      confidence: 0.91,
    });
  });

  it('tolerates prose or code fences around the object, and clamps the confidence', () => {
    expect(parseLlmIntent('Sure!\n```json\n{"label": "Translation", "confidence": 1.7}\n```')).toEqual({
      label: 'translation',
      confidence: 1,
    });
  });

  it('defaults a missing confidence', () => {
    expect(parseLlmIntent('{"label":"chat_lite"}')?.confidence).toBeGreaterThan(0);
  });

  it('rejects bad JSON, unknown labels and empty replies', () => {
    expect(parseLlmIntent('{"label": "code_gen",')).toBeNull();
    expect(parseLlmIntent('{"label": "poetry", "confidence": 0.9}')).toBeNull();
    expect(parseLlmIntent('I think it is code_gen')).toBeNull();
    expect(parseLlmIntent(null)).toBeNull();
    expect(parseLlmIntent('[1, 2]')).toBeNull();
  });
});

describe('LruCache', () => {
  it('evicts the least recently used entry', () => {
    const cache = new LruCache<number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1); // a is now the most recent
    cache.set('c', 3);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(1);
    expect(cache.get('c')).toBe(3);
    expect(cache.size).toBe(2);
  });
});

describe('ProviderIntentLlmFallback', () => {
  it('asks the configured model with a strict JSON prompt and parses the answer', async () => {
    const executor = new FakeExecutor();
    const answer = await fallbackWith(executor).classify(request('Is it worth refinancing at 6%?'), never);
    expect(answer).toEqual({ label: 'deep_reason', confidence: 0.8 });
    expect(executor.calls).toHaveLength(1);
    const call = executor.calls[0];
    expect(call.chain).toEqual([TARGET]);
    expect(call.request.temperature).toBe(0);
    expect(call.request.stream).toBe(false);
    expect(String(call.request.messages[0].content)).toContain('"label"');
    expect(call.request.messages[1]).toEqual({ role: 'user', content: 'Is it worth refinancing at 6%?' });
    expect(call.options.signal).toBe(never);
  });

  it('caches answers by the last user turn', async () => {
    const executor = new FakeExecutor();
    const fallback = fallbackWith(executor);
    await fallback.classify(request('same question'), never);
    await fallback.classify(
      {
        messages: [
          { role: 'system', content: 'x' },
          { role: 'user', content: 'same question' },
        ],
      },
      never,
    );
    expect(executor.calls).toHaveLength(1);
    await fallback.classify(request('another question'), never);
    expect(executor.calls).toHaveLength(2);
    expect(fallback.cachedEntries).toBe(2);
  });

  it('keeps the local result on bad JSON and does not cache it', async () => {
    const executor = new FakeExecutor();
    executor.reply = async () => completion('label: code_gen');
    const fallback = fallbackWith(executor);
    expect(await fallback.classify(request('q'), never)).toBeNull();
    expect(await fallback.classify(request('q'), never)).toBeNull();
    expect(executor.calls).toHaveLength(2);
  });

  it('keeps the local result when the provider fails', async () => {
    const executor = new FakeExecutor();
    executor.reply = async () => {
      throw new Error('upstream 500');
    };
    expect(await fallbackWith(executor).classify(request('q'), never)).toBeNull();
  });

  it('does not call when the model is unknown, the provider unconfigured or the circuit open', async () => {
    const executor = new FakeExecutor();
    expect(await fallbackWith(executor, () => undefined).classify(request('q'), never)).toBeNull();
    executor.configured = false;
    expect(await fallbackWith(executor).classify(request('q'), never)).toBeNull();
    executor.configured = true;
    executor.circuitOpen = true;
    expect(await fallbackWith(executor).classify(request('q'), never)).toBeNull();
    expect(executor.calls).toHaveLength(0);
  });

  it('does not call a model the caller refuses (tenant policy, spent budget), not even from its cache', async () => {
    const executor = new FakeExecutor();
    const fallback = fallbackWith(executor);
    expect(await fallback.classify(request('q'), never)).not.toBeNull();
    const asked: unknown[] = [];
    const refuse = (target: { provider: string; model: string }) => {
      asked.push(target);
      return false;
    };
    expect(await fallback.classify(request('q'), never, { mayUseModel: refuse })).toBeNull();
    expect(await fallback.classify(request('other'), never, { mayUseModel: refuse })).toBeNull();
    expect(asked).toEqual([TARGET, TARGET]);
    expect(executor.calls).toHaveLength(1);
    expect(await fallback.classify(request('other'), never, { mayUseModel: () => true })).not.toBeNull();
    expect(executor.calls).toHaveLength(2);
  });

  it('does not call for an empty last turn', async () => {
    const executor = new FakeExecutor();
    expect(await fallbackWith(executor).classify(request('   '), never)).toBeNull();
    expect(executor.calls).toHaveLength(0);
  });
});

describe('classifyWithTimeout', () => {
  it('resolves null at the deadline and aborts the signal, even if the call never settles', async () => {
    const executor = new FakeExecutor();
    let seen: AbortSignal | undefined;
    executor.reply = (_request, options) => {
      seen = options.signal;
      return new Promise<ChatCompletion>(() => undefined);
    };
    const started = Date.now();
    const answer = await classifyWithTimeout(fallbackWith(executor), request('slow'), 50);
    expect(answer).toBeNull();
    // It waited for the deadline (never early); a call that never settles would hang the test otherwise.
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(seen?.aborted).toBe(true);
  });

  it('returns the answer when it comes in time', async () => {
    expect(await classifyWithTimeout(fallbackWith(new FakeExecutor()), request('fast'), 1_000)).toEqual({
      label: 'deep_reason',
      confidence: 0.8,
    });
  });

  it('turns a rejecting fallback into null', async () => {
    const failing: IntentLlmFallback = { classify: () => Promise.reject(new Error('boom')) };
    expect(await classifyWithTimeout(failing, request('x'), 1_000)).toBeNull();
  });
});
