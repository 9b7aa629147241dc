import type { EventSourceMessage } from 'eventsource-parser';
import type { ChatCompletionChunk, ChunkDelta, FinishReason } from '../../common/openai/chat.types';
import { malformedResponseError, streamError, upstreamStreamError } from '../shared/provider-errors';
import type { StreamTranslator } from '../shared/stream-translator';
import { JSON_RESPONSE_TOOL } from './anthropic.request';
import { toFinishReason, toOpenAIUsage } from './anthropic.response';
import type { AnthropicUsage } from './anthropic.types';

/** How a content block's deltas are translated. */
const enum BlockKind {
  Text,
  Tool,
  Json,
  Thinking,
  Ignored,
}

interface BlockState {
  kind: BlockKind;
  /** OpenAI tool_calls[].index for Tool blocks. */
  toolIndex: number;
}

interface AnthropicEvent {
  type: string;
  index?: number;
  message?: { id?: string; model?: string; usage?: AnthropicUsage };
  content_block?: { type: string; id?: string; name?: string; text?: string; data?: string };
  delta?: {
    type?: string;
    text?: string;
    partial_json?: string;
    thinking?: string;
    signature?: string;
    stop_reason?: string | null;
    stop_sequence?: string | null;
  };
  usage?: AnthropicUsage;
  error?: { type?: string; message?: string };
}

/**
 * Anthropic's event sequence → OpenAI chunks (one state object per stream):
 *   message_start                 → role chunk (content "")
 *   content_block_start text      → nothing (or its initial text)
 *   content_block_start tool_use  → tool_calls[{index, id, type, function:{name, arguments:""}}]
 *   content_block_delta text      → content
 *   content_block_delta input_json→ tool_calls[{index, function:{arguments}}] (JSON mode: content)
 *   message_delta                 → finish_reason chunk (usage is cumulative, kept; a stop
 *                                   sequence that matched rides as choices[0].stop_sequence)
 *   message_stop                  → (end) the usage chunk, choices: []
 *   thinking / signature deltas, redacted_thinking blocks → delta.thinking_blocks pieces (an
 *                                   extension /v1/messages turns back into thinking blocks)
 *   ping, content_block_stop → nothing;  error → ProviderError
 */
export class AnthropicStreamTranslator implements StreamTranslator {
  done = false;
  private id = '';
  private model: string;
  private readonly blocks: BlockState[] = [];
  private nextToolIndex = 0;
  private usage: AnthropicUsage = {};
  private finishReason: FinishReason | null = null;

  constructor(
    model: string,
    private readonly created: number,
  ) {
    this.model = model;
  }

  private chunk(delta: ChunkDelta, finishReason: FinishReason | null = null): ChatCompletionChunk {
    return {
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
      choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }],
    };
  }

  onEvent(message: EventSourceMessage): ChatCompletionChunk | null {
    let event: AnthropicEvent;
    try {
      event = JSON.parse(message.data) as AnthropicEvent;
    } catch {
      throw malformedResponseError('anthropic', 'a stream event is not JSON');
    }
    switch (event.type) {
      case 'message_start': {
        const start = event.message ?? {};
        if (start.id) this.id = start.id;
        if (start.model) this.model = start.model;
        if (start.usage) this.usage = { ...start.usage };
        return this.chunk({ role: 'assistant', content: '' });
      }
      case 'content_block_start':
        return this.startBlock(event.index ?? this.blocks.length, event.content_block ?? { type: 'unknown' });
      case 'content_block_delta':
        return this.blockDelta(event.index ?? 0, event.delta ?? {});
      case 'message_delta': {
        if (event.usage) this.mergeUsage(event.usage);
        const realTool = this.nextToolIndex > 0;
        this.finishReason = toFinishReason(event.delta?.stop_reason, realTool);
        const chunk = this.chunk({}, this.finishReason);
        const sequence = event.delta?.stop_sequence;
        if (typeof sequence === 'string') Object.assign(chunk.choices[0], { stop_sequence: sequence });
        return chunk;
      }
      case 'message_stop':
        this.done = true;
        return null;
      case 'error':
        throw upstreamStreamError('anthropic', event.error ?? {});
      default:
        // ping, content_block_stop, and event types added later.
        return null;
    }
  }

  private startBlock(
    index: number,
    block: NonNullable<AnthropicEvent['content_block']>,
  ): ChatCompletionChunk | null {
    if (block.type === 'text') {
      this.blocks[index] = { kind: BlockKind.Text, toolIndex: -1 };
      return block.text ? this.chunk({ content: block.text }) : null;
    }
    if (block.type === 'tool_use') {
      if (block.name === JSON_RESPONSE_TOOL) {
        this.blocks[index] = { kind: BlockKind.Json, toolIndex: -1 };
        return null;
      }
      const toolIndex = this.nextToolIndex++;
      this.blocks[index] = { kind: BlockKind.Tool, toolIndex };
      return this.chunk({
        tool_calls: [
          {
            index: toolIndex,
            id: block.id ?? '',
            type: 'function',
            function: { name: block.name ?? '', arguments: '' },
          },
        ],
      });
    }
    if (block.type === 'thinking') {
      this.blocks[index] = { kind: BlockKind.Thinking, toolIndex: -1 };
      return null;
    }
    this.blocks[index] = { kind: BlockKind.Ignored, toolIndex: -1 };
    if (block.type === 'redacted_thinking' && typeof block.data === 'string') {
      return this.chunk({ thinking_blocks: [{ type: 'redacted_thinking', data: block.data }] } as ChunkDelta);
    }
    return null;
  }

  private blockDelta(index: number, delta: NonNullable<AnthropicEvent['delta']>): ChatCompletionChunk | null {
    const block = this.blocks[index];
    if (!block) return null;
    if (delta.type === 'text_delta' && block.kind === BlockKind.Text) {
      return delta.text ? this.chunk({ content: delta.text }) : null;
    }
    if (delta.type === 'input_json_delta' && delta.partial_json) {
      if (block.kind === BlockKind.Json) return this.chunk({ content: delta.partial_json });
      if (block.kind === BlockKind.Tool) {
        return this.chunk({
          tool_calls: [{ index: block.toolIndex, function: { arguments: delta.partial_json } }],
        });
      }
    }
    if (block.kind === BlockKind.Thinking) {
      if (delta.type === 'thinking_delta' && delta.thinking) {
        return this.chunk({
          thinking_blocks: [{ type: 'thinking', thinking: delta.thinking }],
        } as ChunkDelta);
      }
      if (delta.type === 'signature_delta' && delta.signature) {
        return this.chunk({
          thinking_blocks: [{ type: 'thinking', signature: delta.signature }],
        } as ChunkDelta);
      }
    }
    return null; // citations_delta, empty partial_json
  }

  /** message_delta usage is cumulative; fields it omits keep their message_start values. */
  private mergeUsage(usage: AnthropicUsage): void {
    for (const key of [
      'input_tokens',
      'output_tokens',
      'cache_creation_input_tokens',
      'cache_read_input_tokens',
    ] as const) {
      const value = usage[key];
      if (typeof value === 'number') this.usage[key] = value;
    }
  }

  finish(): ChatCompletionChunk {
    if (!this.done) throw streamError('anthropic', 'the stream ended before message_stop');
    return {
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
      choices: [],
      usage: toOpenAIUsage(this.usage),
    };
  }
}
