import { context, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { NodeSDK, tracing } from '@opentelemetry/sdk-node';
import type { ChatCompletionRequest } from '../common/openai/chat.types';
import { startGenAiClientSpan, type GenAiAttempt } from './gen-ai';
import { NOT_RECORDING, recordingSpan, startChildSpan, tracer } from './spans';

/** A chat request that counts every read of its fields (what building attributes does). */
function countingRequest(): { request: ChatCompletionRequest; reads: () => number } {
  let reads = 0;
  const target: ChatCompletionRequest = {
    model: 'gpt-4o-mini',
    temperature: 0.3,
    max_tokens: 64,
    messages: [{ role: 'user', content: 'hi' }],
  };
  const request = new Proxy(target, {
    get(object, key, receiver) {
      reads++;
      return Reflect.get(object, key, receiver) as unknown;
    },
  });
  return { request, reads: () => reads };
}

const attempt = (request: ChatCompletionRequest): GenAiAttempt => ({
  provider: 'openai',
  model: 'gpt-4o-mini',
  upstreamModel: 'gpt-4o-mini',
  request,
  baseUrl: 'https://api.openai.com/v1',
  retry: 0,
  fallbackIndex: 0,
  callAttributes: { 'modelmuxer.tenant.id': 't1' },
});

/**
 * The span helpers' promise: a request that is not sampled (or not traced) gets no child spans
 * and builds no attributes — counted, not timed.
 */
describe('span helpers', () => {
  const exporter = new tracing.InMemorySpanExporter();
  let sampled = true;
  const root: tracing.Sampler = {
    shouldSample: () => ({
      decision: sampled ? tracing.SamplingDecision.RECORD_AND_SAMPLED : tracing.SamplingDecision.NOT_RECORD,
    }),
  };
  let sdk: NodeSDK;

  beforeAll(() => {
    sdk = new NodeSDK({
      sampler: new tracing.ParentBasedSampler({ root }),
      autoDetectResources: false,
      spanProcessors: [new tracing.SimpleSpanProcessor(exporter)],
      instrumentations: [],
    });
    sdk.start();
  });

  afterAll(async () => {
    await sdk.shutdown();
    trace.disable();
    context.disable();
  });

  beforeEach(() => exporter.reset());

  /** Runs `fn` inside a server span the sampler recorded or not. */
  function inRequest<T>(recorded: boolean, fn: () => T): T {
    sampled = recorded;
    const server = tracer.startSpan('POST', { kind: SpanKind.SERVER }, ROOT_CONTEXT);
    try {
      return context.with(trace.setSpan(ROOT_CONTEXT, server), fn);
    } finally {
      server.end();
    }
  }

  it('a request that is not sampled: no child span, no attribute function called, no request field read', () => {
    const attributes = jest.fn(() => ({ a: 1 }));
    const { request, reads } = countingRequest();
    inRequest(false, () => {
      expect(recordingSpan()).toBeNull();
      expect(startChildSpan('child', SpanKind.INTERNAL, attributes)).toBe(NOT_RECORDING);
      expect(startGenAiClientSpan(attempt(request))).toBe(NOT_RECORDING);
    });
    expect(attributes).not.toHaveBeenCalled();
    expect(reads()).toBe(0);
    expect(exporter.getFinishedSpans()).toHaveLength(0);
  });

  it('outside any request: the same (no orphan root spans)', () => {
    const attributes = jest.fn(() => ({}));
    expect(startChildSpan('orphan', undefined, attributes)).toBe(NOT_RECORDING);
    expect(attributes).not.toHaveBeenCalled();
  });

  it('a sampled request: children of the request span, attributes built once', () => {
    const attributes = jest.fn(() => ({ 'modelmuxer.x': 1 }));
    const { request, reads } = countingRequest();
    inRequest(true, () => {
      startChildSpan('child', SpanKind.INTERNAL, attributes).end();
      startGenAiClientSpan(attempt(request)).end();
    });
    expect(attributes).toHaveBeenCalledTimes(1);
    expect(reads()).toBeGreaterThan(0);
    const spans = exporter.getFinishedSpans();
    const server = spans.find((span) => span.name === 'POST')!;
    const client = spans.find((span) => span.name === 'chat gpt-4o-mini')!;
    expect(spans.find((span) => span.name === 'child')?.parentSpanContext?.spanId).toBe(
      server.spanContext().spanId,
    );
    expect(client.kind).toBe(SpanKind.CLIENT);
    expect(client.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.request.temperature': 0.3,
      'gen_ai.request.max_tokens': 64,
      'server.address': 'api.openai.com',
      'server.port': 443,
      'modelmuxer.tenant.id': 't1',
      'modelmuxer.retry': 0,
    });
  });
});
