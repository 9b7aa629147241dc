import { makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import { SpanKind, type Attributes, type Span } from '@opentelemetry/api';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
  Usage,
} from '../common/openai/chat.types';
import { NOT_RECORDING, recordingSpan, tracer } from './spans';

/**
 * OpenTelemetry semantic conventions for generative AI (gen_ai.*, spec v1.37+: the
 * `gen_ai.provider.name` generation), for the client span of each provider attempt and the
 * standard client metrics. The incubating names are copied here, as the semantic-conventions
 * package recommends for incubating attributes.
 */
export const GEN_AI = {
  operationName: 'gen_ai.operation.name',
  providerName: 'gen_ai.provider.name',
  requestModel: 'gen_ai.request.model',
  requestMaxTokens: 'gen_ai.request.max_tokens',
  requestTemperature: 'gen_ai.request.temperature',
  requestTopP: 'gen_ai.request.top_p',
  requestFrequencyPenalty: 'gen_ai.request.frequency_penalty',
  requestPresencePenalty: 'gen_ai.request.presence_penalty',
  requestStopSequences: 'gen_ai.request.stop_sequences',
  requestSeed: 'gen_ai.request.seed',
  requestChoiceCount: 'gen_ai.request.choice.count',
  outputType: 'gen_ai.output.type',
  responseId: 'gen_ai.response.id',
  responseModel: 'gen_ai.response.model',
  responseFinishReasons: 'gen_ai.response.finish_reasons',
  usageInputTokens: 'gen_ai.usage.input_tokens',
  usageOutputTokens: 'gen_ai.usage.output_tokens',
  usageCacheReadInputTokens: 'gen_ai.usage.cache_read.input_tokens',
  inputMessages: 'gen_ai.input.messages',
  outputMessages: 'gen_ai.output.messages',
  errorType: 'error.type',
  serverAddress: 'server.address',
  serverPort: 'server.port',
} as const;

/** The operation every chat completion is (the spec's `chat`). */
export const CHAT_OPERATION = 'chat';

/** Our provider keys as the spec's well-known gen_ai.provider.name values. */
const PROVIDER_NAMES: Record<string, string> = {
  openai: 'openai',
  anthropic: 'anthropic',
  mistral: 'mistral_ai',
  litellm: 'litellm',
};

export function genAiProviderName(provider: string): string {
  return PROVIDER_NAMES[provider] ?? provider;
}

/** The spec's required, conditionally required and recommended request attributes. */
export function genAiRequestAttributes(
  request: ChatCompletionRequest,
  provider: string,
  upstreamModel: string,
  baseUrl: string | null,
): Attributes {
  const attributes: Attributes = {
    [GEN_AI.operationName]: CHAT_OPERATION,
    [GEN_AI.providerName]: genAiProviderName(provider),
    [GEN_AI.requestModel]: upstreamModel,
  };
  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  if (typeof maxTokens === 'number') attributes[GEN_AI.requestMaxTokens] = maxTokens;
  if (typeof request.temperature === 'number') attributes[GEN_AI.requestTemperature] = request.temperature;
  if (typeof request.top_p === 'number') attributes[GEN_AI.requestTopP] = request.top_p;
  if (typeof request.frequency_penalty === 'number')
    attributes[GEN_AI.requestFrequencyPenalty] = request.frequency_penalty;
  if (typeof request.presence_penalty === 'number')
    attributes[GEN_AI.requestPresencePenalty] = request.presence_penalty;
  if (typeof request.seed === 'number') attributes[GEN_AI.requestSeed] = request.seed;
  if (typeof request.n === 'number' && request.n !== 1) attributes[GEN_AI.requestChoiceCount] = request.n;
  if (typeof request.stop === 'string') attributes[GEN_AI.requestStopSequences] = [request.stop];
  else if (Array.isArray(request.stop)) attributes[GEN_AI.requestStopSequences] = request.stop;
  const format = (request.response_format as { type?: unknown } | undefined)?.type;
  attributes[GEN_AI.outputType] = format === 'json_object' || format === 'json_schema' ? 'json' : 'text';
  if (baseUrl) {
    const [address, port] = serverOf(baseUrl);
    attributes[GEN_AI.serverAddress] = address;
    attributes[GEN_AI.serverPort] = port;
  }
  return attributes;
}

/** server.address and server.port of a provider's base URL, parsed once per URL (a handful). */
const servers = new Map<string, [string, number]>();
function serverOf(baseUrl: string): [string, number] {
  let server = servers.get(baseUrl);
  if (server === undefined) {
    const url = new URL(baseUrl);
    server = [url.hostname, Number(url.port) || (url.protocol === 'https:' ? 443 : 80)];
    servers.set(baseUrl, server);
  }
  return server;
}

/** One provider attempt, as its GenAI client span describes it. */
export interface GenAiAttempt {
  provider: string;
  /** The catalog model (modelmuxer.model) and the provider's name for it (gen_ai.request.model). */
  model: string;
  upstreamModel: string;
  /** The chat request (absent for embeddings). */
  request?: ChatCompletionRequest;
  baseUrl: string | null;
  retry: number;
  fallbackIndex: number;
  /** The call's modelmuxer.* attributes (callAttributes of the pipeline). */
  callAttributes?: Attributes;
}

/**
 * The GenAI client span of one provider attempt, "{operation} {model}" (semantic conventions),
 * a child of the active span — only when that one records: for a request that is not sampled
 * nothing is built (no name, no attribute object) and the shared no-op span is returned.
 */
export function startGenAiClientSpan(attempt: GenAiAttempt): Span {
  if (recordingSpan() === null) return NOT_RECORDING;
  const { request, provider, upstreamModel } = attempt;
  const attributes: Attributes = request
    ? genAiRequestAttributes(request, provider, upstreamModel, attempt.baseUrl)
    : {
        [GEN_AI.operationName]: 'embeddings',
        [GEN_AI.providerName]: genAiProviderName(provider),
        [GEN_AI.requestModel]: upstreamModel,
      };
  if (attempt.callAttributes) Object.assign(attributes, attempt.callAttributes);
  attributes['modelmuxer.provider'] = provider;
  attributes['modelmuxer.model'] = attempt.model;
  attributes['modelmuxer.retry'] = attempt.retry;
  attributes['modelmuxer.fallback_index'] = attempt.fallbackIndex;
  const operation = request ? CHAT_OPERATION : 'embeddings';
  return tracer.startSpan(`${operation} ${upstreamModel}`, { kind: SpanKind.CLIENT, attributes });
}

/** One answer message, for gen_ai.output.messages (content capture only). */
export interface GenAiOutputMessage {
  content: string;
  toolCalls: Array<{ id: string; name: string; arguments: string }>;
  finishReason: string;
}

/**
 * Prompt and completion content on the client spans: only when OTEL_INSTRUMENTATION_GENAI_
 * CAPTURE_MESSAGE_CONTENT is on, made by the caller of the executor (the chat pipeline, which
 * redacts PII and bounds the size; the provider layer only places the values).
 */
export interface GenAiContentCapture {
  /** gen_ai.input.messages: the request's messages as the spec's JSON, redacted and bounded. */
  inputMessages: string;
  /** gen_ai.output.messages of an answer, redacted and bounded. */
  outputMessages(messages: GenAiOutputMessage[]): string;
  /** Most characters of answer text worth collecting from a stream (the rest is cut anyway). */
  maxChars: number;
}

/** What the answer says about itself: id, model, finish reasons, usage (and its text when captured). */
export interface GenAiResponse {
  id: string | null;
  model: string | null;
  finishReasons: string[];
  usage: Usage | null;
  /** Only with content capture. */
  outputs?: GenAiOutputMessage[];
}

export function completionResponse(completion: ChatCompletion, captureContent = false): GenAiResponse {
  return {
    id: completion.id ?? null,
    model: completion.model ?? null,
    finishReasons: completion.choices.map((choice) => choice.finish_reason ?? 'unknown'),
    usage: completion.usage ?? null,
    outputs: captureContent
      ? completion.choices.map((choice) => ({
          content: choice.message.content ?? '',
          toolCalls: (choice.message.tool_calls ?? []).map((call) => ({
            id: call.id,
            name: call.function.name,
            arguments: call.function.arguments,
          })),
          finishReason: choice.finish_reason ?? 'unknown',
        }))
      : undefined,
  };
}

/**
 * Collects the same from a stream, chunk by chunk (cheap: a few field reads per chunk); with
 * `captureChars` > 0 also the text of each choice, up to that many characters.
 */
export class StreamResponse implements GenAiResponse {
  id: string | null = null;
  model: string | null = null;
  finishReasons: string[] = [];
  usage: Usage | null = null;
  private texts: string[] = [];

  constructor(private readonly captureChars = 0) {}

  get outputs(): GenAiOutputMessage[] | undefined {
    if (this.captureChars === 0) return undefined;
    const count = Math.max(this.texts.length, this.finishReasons.length);
    return Array.from({ length: count }, (_, index) => ({
      content: this.texts[index] ?? '',
      toolCalls: [],
      finishReason: this.finishReasons[index] ?? 'unknown',
    }));
  }

  observe(chunk: ChatCompletionChunk): void {
    this.id ??= chunk.id ?? null;
    this.model ??= chunk.model ?? null;
    for (const choice of chunk.choices) {
      if (choice.finish_reason) this.finishReasons[choice.index ?? 0] = choice.finish_reason;
      const text = this.captureChars > 0 ? choice.delta?.content : undefined;
      if (text) {
        const index = choice.index ?? 0;
        const sofar = this.texts[index] ?? '';
        if (sofar.length < this.captureChars) this.texts[index] = sofar + text;
      }
    }
    if (chunk.usage) this.usage = chunk.usage;
  }
}

export function setGenAiResponse(span: Span, response: GenAiResponse, content?: GenAiContentCapture): void {
  if (!span.isRecording()) return;
  const outputs = content ? response.outputs : undefined;
  if (content && outputs) span.setAttribute(GEN_AI.outputMessages, content.outputMessages(outputs));
  if (response.id) span.setAttribute(GEN_AI.responseId, response.id);
  if (response.model) span.setAttribute(GEN_AI.responseModel, response.model);
  const reasons = response.finishReasons.filter((reason) => typeof reason === 'string');
  if (reasons.length > 0) span.setAttribute(GEN_AI.responseFinishReasons, reasons);
  const usage = response.usage;
  if (usage) {
    if (Number.isFinite(usage.prompt_tokens)) span.setAttribute(GEN_AI.usageInputTokens, usage.prompt_tokens);
    if (Number.isFinite(usage.completion_tokens))
      span.setAttribute(GEN_AI.usageOutputTokens, usage.completion_tokens);
    const cached = usage.prompt_tokens_details?.cached_tokens;
    if (typeof cached === 'number') span.setAttribute(GEN_AI.usageCacheReadInputTokens, cached);
  }
}

/**
 * The standard GenAI client metrics, with the Prometheus names the OpenTelemetry → Prometheus
 * mapping gives them (dots → underscores, unit suffix), and the spec's advised buckets.
 */
export const GEN_AI_METRIC = {
  tokenUsage: 'gen_ai_client_token_usage',
  operationDuration: 'gen_ai_client_operation_duration_seconds',
  timeToFirstChunk: 'gen_ai_client_operation_time_to_first_chunk_seconds',
} as const;

/** Labels: all bounded (operation: chat; provider: 4; request model: the catalog; token type: 2). */
const GEN_AI_LABELS = ['gen_ai_operation_name', 'gen_ai_provider_name', 'gen_ai_request_model'];
const DURATION_BUCKETS = [
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
];
const TOKEN_BUCKETS = [
  1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
];

export const GEN_AI_METRIC_PROVIDERS = [
  makeHistogramProvider({
    name: GEN_AI_METRIC.tokenUsage,
    help: 'gen_ai.client.token.usage: input and output tokens per provider call (gen_ai_token_type)',
    labelNames: [...GEN_AI_LABELS, 'gen_ai_token_type'],
    buckets: TOKEN_BUCKETS,
  }),
  makeHistogramProvider({
    name: GEN_AI_METRIC.operationDuration,
    help: 'gen_ai.client.operation.duration: provider call duration in seconds, to the last byte (error_type on failure)',
    labelNames: [...GEN_AI_LABELS, 'error_type'],
    buckets: DURATION_BUCKETS,
  }),
  makeHistogramProvider({
    name: GEN_AI_METRIC.timeToFirstChunk,
    help: 'gen_ai.client.operation.time_to_first_chunk: seconds from the provider call to its first stream chunk',
    labelNames: GEN_AI_LABELS,
    buckets: DURATION_BUCKETS,
  }),
];
