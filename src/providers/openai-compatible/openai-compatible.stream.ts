import type { EventSourceMessage } from 'eventsource-parser';
import type { ChatCompletionChunk, Usage } from '../../common/openai/chat.types';
import { estimatePromptTokens } from '../../common/token-estimator';
import type { ProviderRequest } from '../provider.types';
import { malformedResponseError, streamError, upstreamStreamError } from '../shared/provider-errors';
import type { StreamTranslator } from '../shared/stream-translator';
import type { OpenAICompatibleDialect } from './openai-compatible.dialect';
import { contentText, mapFinishReason } from './openai-compatible.response';

/** Characters per token for the rare upstream that never reports streamed usage. */
const CHARS_PER_TOKEN = 4;

/**
 * Translates an OpenAI-style chunk stream. Usage is taken off whichever chunk carries it
 * (OpenAI and LiteLLM: a `choices: []` chunk; Mistral: the last content chunk) and emitted as
 * one final `choices: []` chunk when the stream ends, so every adapter ends the same way.
 */
export class OpenAICompatibleStreamTranslator implements StreamTranslator {
  done = false;
  private usage: Usage | null = null;
  private sawFinish = false;
  private id = '';
  private model: string;
  private created: number;
  private streamedChars = 0;

  constructor(
    private readonly dialect: OpenAICompatibleDialect,
    private readonly request: ProviderRequest,
    created: number,
  ) {
    this.model = request.model;
    this.created = created;
  }

  onEvent(event: EventSourceMessage): ChatCompletionChunk | null {
    const data = event.data;
    if (data === '[DONE]') {
      this.done = true;
      return null;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      throw malformedResponseError(this.dialect.provider, 'a stream event is not JSON');
    }
    const error = (parsed as { error?: unknown }).error;
    if (error !== undefined && error !== null) {
      throw upstreamStreamError(this.dialect.provider, typeof error === 'object' ? error : {});
    }
    const chunk = parsed as ChatCompletionChunk;
    if (typeof chunk.id === 'string') this.id = chunk.id;
    if (typeof chunk.model === 'string') this.model = chunk.model;
    if (typeof chunk.created === 'number') this.created = chunk.created;
    if (chunk.usage) this.usage = chunk.usage;
    chunk.usage = undefined;
    const choices = chunk.choices;
    if (!Array.isArray(choices) || choices.length === 0) return null;
    chunk.object = 'chat.completion.chunk';
    for (const choice of choices) {
      const delta = choice.delta ?? {};
      choice.delta = delta;
      if (delta.content !== undefined && typeof delta.content !== 'string')
        delta.content = contentText(delta.content);
      if (delta.content) this.streamedChars += delta.content.length;
      if (delta.tool_calls) {
        for (const call of delta.tool_calls) this.streamedChars += call.function?.arguments?.length ?? 0;
      }
      const finish = mapFinishReasonInStream(choice.finish_reason, this.dialect);
      choice.finish_reason = finish;
      if (finish !== null) this.sawFinish = true;
    }
    return chunk;
  }

  finish(): ChatCompletionChunk {
    if (!this.done && !this.sawFinish) {
      throw streamError(this.dialect.provider, 'the stream ended before the response was complete');
    }
    return {
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
      choices: [],
      usage: this.usage ?? this.estimateUsage(),
    };
  }

  /** Only for upstreams that ignore stream_options: an estimate beats billing nothing. */
  private estimateUsage(): Usage {
    const prompt = estimatePromptTokens(this.request);
    const completion = Math.ceil(this.streamedChars / CHARS_PER_TOKEN);
    return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
  }
}

function mapFinishReasonInStream(
  value: unknown,
  dialect: OpenAICompatibleDialect,
): ReturnType<typeof mapFinishReason> {
  try {
    return mapFinishReason(value, dialect);
  } catch (error) {
    // In a stream, a failed generation is a stream error (chunks may already be out).
    throw streamError(dialect.provider, error instanceof Error ? error.message : String(error));
  }
}
