import { ErrorCode } from '../../src/common/errors';
import type { ChatCompletionChunk } from '../../src/common/openai/chat.types';
import type { RouteTarget } from '../../src/routing/routing.types';
import type { ProviderCallOptions, ProviderError } from '../../src/providers/provider.types';
import { assemble } from './harness';
import { METRIC, startExecutorHarness, ExecutorHarness } from './executor-harness';

const gpt: RouteTarget = {
  provider: 'openai',
  model: 'gpt-4o-mini',
  upstreamModel: 'gpt-4o-mini-2024-07-18',
};
const claude: RouteTarget = {
  provider: 'anthropic',
  model: 'claude-3-5-haiku',
  upstreamModel: 'claude-3-5-haiku-latest',
};
const mistral: RouteTarget = {
  provider: 'mistral',
  model: 'mistral-small',
  upstreamModel: 'mistral-small-latest',
};
const hello = { messages: [{ role: 'user' as const, content: 'Hello' }] };

function options(signal: AbortSignal = new AbortController().signal): ProviderCallOptions {
  return { signal, requestId: 'req-1' };
}

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  try {
    await promise;
  } catch (error) {
    return error as ProviderError;
  }
  throw new Error('expected a failure');
}

async function drain(chunks: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const out: ChatCompletionChunk[] = [];
  for await (const chunk of chunks) out.push(chunk);
  return out;
}

describe('ProviderExecutor: retries and fallbacks', () => {
  let h: ExecutorHarness;
  beforeAll(async () => {
    h = await startExecutorHarness();
  });
  afterAll(() => h.close());
  beforeEach(() => h.fake.reset());

  it('retries a 5xx on the same target, then answers', async () => {
    h.fake.enqueue({ flavor: 'openai', status: 500 });
    const before = await h.metric(METRIC.providerRetries, {
      provider: 'openai',
      model: 'gpt-4o-mini',
      reason: ErrorCode.ProviderUnavailable,
    });
    const result = await h.executor.complete([gpt], hello, options());
    expect(result.target).toEqual(gpt);
    expect(result.attempts).toEqual([
      expect.objectContaining({ provider: 'openai', model: 'gpt-4o-mini', outcome: 'ok', retries: 1 }),
    ]);
    expect(h.fake.requests.map((r) => r.body.model)).toEqual([
      'gpt-4o-mini-2024-07-18',
      'gpt-4o-mini-2024-07-18',
    ]);
    expect(
      await h.metric(METRIC.providerRetries, {
        provider: 'openai',
        model: 'gpt-4o-mini',
        reason: ErrorCode.ProviderUnavailable,
      }),
    ).toBe(before + 1);
    expect(
      await h.metric(METRIC.providerRequests, { provider: 'openai', model: 'gpt-4o-mini', outcome: 'ok' }),
    ).toBeGreaterThanOrEqual(1);
    expect(result.upstreamMs).toBeGreaterThan(0);
  });

  it('waits at least the retry-after the upstream asked for', async () => {
    h.fake.enqueue({ flavor: 'anthropic', status: 429, retryAfter: 0.2 });
    const started = Date.now();
    const result = await h.executor.complete([claude], hello, options());
    expect(Date.now() - started).toBeGreaterThanOrEqual(195);
    expect(result.attempts[0]).toMatchObject({ outcome: 'ok', retries: 1 });
  });

  it('falls back at once when retry-after is longer than the retry budget', async () => {
    h.fake.enqueue({ flavor: 'openai', status: 429, retryAfter: 30 });
    const before = await h.metric(METRIC.providerFallbacks, { provider: 'openai', model: 'gpt-4o-mini' });
    const started = Date.now();
    const result = await h.executor.complete([gpt, claude], hello, options());
    expect(Date.now() - started).toBeLessThan(1000);
    expect(result.target).toEqual(claude);
    expect(result.attempts).toEqual([
      expect.objectContaining({
        provider: 'openai',
        outcome: 'error',
        error_code: ErrorCode.ProviderRateLimited,
        status: 429,
        retries: 0,
      }),
      expect.objectContaining({ provider: 'anthropic', outcome: 'ok', retries: 0 }),
    ]);
    expect(await h.metric(METRIC.providerFallbacks, { provider: 'openai', model: 'gpt-4o-mini' })).toBe(
      before + 1,
    );
  });

  it('throws the 429 with retry-after when no fallback can absorb it', async () => {
    h.fake.enqueue({ flavor: 'openai', status: 429, retryAfter: 30 });
    const error = await failure(h.executor.complete([gpt], hello, options()));
    expect([error.code, error.status, error.retryAfter]).toEqual([ErrorCode.ProviderRateLimited, 429, 30]);
    expect(error.attempts).toEqual([
      expect.objectContaining({ outcome: 'error', error_code: ErrorCode.ProviderRateLimited }),
    ]);
  });

  it('exhausts the retries of a failing target, then falls back', async () => {
    h.fake.enqueue({ flavor: 'openai', status: 503, times: 3 });
    const result = await h.executor.complete([gpt, mistral], hello, options());
    expect(result.target).toEqual(mistral);
    expect(result.attempts.map((a) => [a.provider, a.outcome, a.retries])).toEqual([
      ['openai', 'error', 2],
      ['mistral', 'ok', 0],
    ]);
    expect(h.fake.requests.map((r) => r.flavor)).toEqual(['openai', 'openai', 'openai', 'mistral']);
  });

  it('does not fall back when the upstream says the request is malformed', async () => {
    h.fake.enqueue({ flavor: 'openai', status: 400, error: { message: "Invalid 'messages[0].content'" } });
    const error = await failure(h.executor.complete([gpt, claude], hello, options()));
    expect([error.code, error.status]).toEqual([ErrorCode.ProviderBadRequest, 400]);
    expect(error.message).toContain("Invalid 'messages[0].content'");
    expect(h.fake.requests.map((r) => r.flavor)).toEqual(['openai']);
  });

  it('falls back when a provider rejects the gateway credentials', async () => {
    h.fake.enqueue({ flavor: 'anthropic', status: 401 });
    const result = await h.executor.complete([claude, gpt], hello, options());
    expect(result.target).toEqual(gpt);
    expect(result.attempts[0]).toMatchObject({
      provider: 'anthropic',
      error_code: ErrorCode.ProviderAuthFailed,
      status: 401,
    });
  });

  it('falls back when a target cannot take a parameter, without calling it', async () => {
    const result = await h.executor.complete([claude, gpt], { ...hello, n: 2 }, options());
    expect(result.target).toEqual(gpt);
    expect(result.attempts[0]).toMatchObject({
      provider: 'anthropic',
      outcome: 'error',
      error_code: ErrorCode.UnsupportedParameter,
    });
    expect(h.fake.requests.map((r) => r.flavor)).toEqual(['openai']);
  });

  it('throws the last error with every attempt when the whole chain fails', async () => {
    h.fake.enqueue(
      { flavor: 'openai', status: 500, times: 3 },
      { flavor: 'anthropic', status: 529, times: 3 },
    );
    const error = await failure(h.executor.complete([gpt, claude], hello, options()));
    expect([error.code, error.provider]).toEqual([ErrorCode.ProviderUnavailable, 'anthropic']);
    expect(error.attempts?.map((a) => [a.provider, a.outcome, a.retries])).toEqual([
      ['openai', 'error', 2],
      ['anthropic', 'error', 2],
    ]);
  });

  it('hands the catalog max-output hint to the adapter', async () => {
    await h.executor.complete([{ ...claude, maxOutputTokens: 64000 } as RouteTarget], hello, options());
    expect(h.fake.requests[0].body.max_tokens).toBe(64000);
  });

  it('retries a stream that fails before its first chunk, then streams it whole', async () => {
    h.fake.enqueue({ flavor: 'mistral', status: 503 });
    h.fake.setDefault({ text: 'one two three four five six', chunkWords: 1 });
    const execution = await h.executor.stream([mistral], hello, options());
    expect(execution.attempts).toEqual([expect.objectContaining({ outcome: 'ok', retries: 1 })]);
    expect(execution.firstChunkMs).toBeGreaterThan(0);
    const chunks = await drain(execution.chunks);
    expect(assemble(chunks).text).toBe('one two three four five six');
    expect(chunks[chunks.length - 1].usage).toBeDefined();
  });

  it('falls back for a stream before its first chunk', async () => {
    h.fake.enqueue({ flavor: 'anthropic', reset: true, times: 3 });
    const execution = await h.executor.stream([claude, gpt], hello, options());
    expect(execution.target).toEqual(gpt);
    expect(execution.attempts.map((a) => [a.provider, a.outcome])).toEqual([
      ['anthropic', 'error'],
      ['openai', 'ok'],
    ]);
    await drain(execution.chunks);
  });

  it('never retries once chunks were handed over: the stream fails with provider_stream_error', async () => {
    h.fake.enqueue({ flavor: 'openai', completionTokens: 50, chunkWords: 1, failAfterEvents: 5 });
    const execution = await h.executor.stream([gpt, claude], hello, options());
    const seen: ChatCompletionChunk[] = [];
    const error = await failure(
      (async () => {
        for await (const chunk of execution.chunks) seen.push(chunk);
      })(),
    );
    expect(seen.length).toBe(5);
    expect([error.code, error.status]).toEqual([ErrorCode.ProviderStreamError, 502]);
    expect(h.fake.requests).toHaveLength(1);
    expect(
      await h.metric(METRIC.providerRequests, {
        provider: 'openai',
        model: 'gpt-4o-mini',
        outcome: ErrorCode.ProviderStreamError,
      }),
    ).toBeGreaterThanOrEqual(1);
  });

  it('aborts the upstream when the stream consumer stops early', async () => {
    h.fake.setDefault({ completionTokens: 300, chunkWords: 1, chunkDelayMs: 10 });
    const execution = await h.executor.stream([claude], hello, options());
    for await (const chunk of execution.chunks) {
      expect(chunk).toBeDefined();
      break;
    }
    await h.fake.waitFor(() => h.fake.requests[0].aborted);
    expect(
      await h.metric(METRIC.providerRequests, {
        provider: 'anthropic',
        model: 'claude-3-5-haiku',
        outcome: 'aborted',
      }),
    ).toBeGreaterThanOrEqual(1);
  });

  it('stops retrying and reports the abort when the client disconnects during a backoff', async () => {
    h.fake.enqueue({ flavor: 'openai', status: 429, retryAfter: 0.25 });
    const controller = new AbortController();
    const pending = h.executor.complete([gpt, claude], hello, options(controller.signal));
    await h.fake.waitFor(() => h.fake.requests.length === 1);
    controller.abort();
    const error = await failure(pending);
    expect(error.message).toContain('client disconnected');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(h.fake.requests).toHaveLength(1);
  });

  it('skips providers that are not configured and reports availability', async () => {
    expect(h.executor.isProviderConfigured('openai')).toBe(true);
    expect(h.executor.isProviderConfigured('litellm')).toBe(true);
    const error = await failure(h.executor.complete([], hello, options()));
    expect(error.code).toBe(ErrorCode.NoProviderAvailable);
  });
});

describe('ProviderExecutor: circuit breakers', () => {
  let h: ExecutorHarness;
  beforeAll(async () => {
    h = await startExecutorHarness({
      PROVIDER_MAX_RETRIES: '0',
      CIRCUIT_FAILURE_THRESHOLD: '2',
      CIRCUIT_RESET_MS: '150',
    });
  });
  afterAll(() => h.close());
  beforeEach(() => h.fake.reset());

  const gauge = (target: RouteTarget): Promise<number> =>
    h.metric(METRIC.circuitOpen, { provider: target.provider, model: target.model });

  it('opens after consecutive failures, skips the target, then half-opens and closes on a good probe', async () => {
    h.fake.enqueue({ flavor: 'mistral', status: 500, times: 2 });
    await failure(h.executor.complete([mistral], hello, options()));
    expect(h.executor.isCircuitOpen(mistral)).toBe(false);
    await failure(h.executor.complete([mistral], hello, options()));
    expect(h.executor.isCircuitOpen(mistral)).toBe(true);
    expect(await gauge(mistral)).toBe(1);

    const skipped = await h.executor.complete([mistral, gpt], hello, options());
    expect(skipped.target).toEqual(gpt);
    expect(skipped.attempts[0]).toMatchObject({ provider: 'mistral', outcome: 'skipped_circuit_open' });
    const refused = await failure(h.executor.complete([mistral], hello, options()));
    expect(refused.code).toBe(ErrorCode.NoProviderAvailable);
    expect(h.fake.requests.filter((r) => r.flavor === 'mistral')).toHaveLength(2);

    await new Promise((resolve) => setTimeout(resolve, 160));
    expect(h.executor.isCircuitOpen(mistral)).toBe(false);
    const probe = await h.executor.complete([mistral], hello, options());
    expect(probe.target).toEqual(mistral);
    expect(h.executor.isCircuitOpen(mistral)).toBe(false);
    expect(await gauge(mistral)).toBe(0);
  });

  it('re-opens when the half-open probe fails', async () => {
    h.fake.enqueue({ flavor: 'anthropic', status: 503, times: 3 });
    await failure(h.executor.complete([claude], hello, options()));
    await failure(h.executor.complete([claude], hello, options()));
    expect(h.executor.isCircuitOpen(claude)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 160));
    const probe = await failure(h.executor.complete([claude], hello, options()));
    expect(probe.code).toBe(ErrorCode.ProviderUnavailable);
    expect(h.executor.isCircuitOpen(claude)).toBe(true);
    expect(await gauge(claude)).toBe(1);
    expect(h.fake.requests).toHaveLength(3);
  });

  it('does not count request errors against the circuit', async () => {
    h.fake.enqueue({ flavor: 'openai', status: 400, times: 3 });
    for (let i = 0; i < 3; i++) await failure(h.executor.complete([gpt], hello, options()));
    expect(h.executor.isCircuitOpen(gpt)).toBe(false);
  });
});

describe('ProviderExecutor in TEST_MODE', () => {
  let h: ExecutorHarness;
  beforeAll(async () => {
    h = await startExecutorHarness({ TEST_MODE: 'true' });
  });
  afterAll(() => h.close());

  it('serves every provider from the simulator and never calls out, even with keys set', async () => {
    for (const target of [
      gpt,
      claude,
      mistral,
      { provider: 'litellm' as const, model: 'll', upstreamModel: 'll' },
    ]) {
      expect(h.executor.isProviderConfigured(target.provider)).toBe(true);
      const done = (await h.executor.complete([target], hello, options())).completion;
      const streamed = await drain((await h.executor.stream([target], hello, options())).chunks);
      expect(assemble(streamed).text).toBe(done.choices[0].message.content);
      expect(done.usage?.completion_tokens).toBeGreaterThan(0);
    }
    expect(h.fake.requests).toHaveLength(0);
  });

  it('refuses what the real provider would refuse, and falls back like production', async () => {
    const result = await h.executor.complete([claude, gpt], { ...hello, n: 2 }, options());
    expect(result.target).toEqual(gpt);
    expect(result.completion.choices).toHaveLength(2);
    expect(result.attempts[0]).toMatchObject({
      provider: 'anthropic',
      error_code: ErrorCode.UnsupportedParameter,
    });
  });
});
