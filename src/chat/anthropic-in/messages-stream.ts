import type { ChatCompletionChunk, ChunkDelta, ToolCallDelta, Usage } from '../../common/openai/chat.types';
import { messageId, toMessagesUsage, toStopReason } from './messages-response';
import type { MessagesStopReason, MessagesStreamEvent } from './messages.types';

type BlockKind = 'text' | 'tool_use' | 'thinking';

interface OpenBlock {
  kind: BlockKind;
  index: number;
}

/** A piece of a thinking block in a chunk's delta (the `thinking_blocks` extension). */
interface ThinkingPiece {
  type?: unknown;
  thinking?: unknown;
  signature?: unknown;
  data?: unknown;
}

/**
 * Internal (OpenAI-shaped) stream chunks → Anthropic Messages stream events, one encoder per
 * stream (pure: no I/O). The sequence it produces is Anthropic's:
 *   message_start (usage.input_tokens: the gateway's estimate, corrected by message_delta), ping,
 *   then per content block content_block_start / content_block_delta (text_delta,
 *   input_json_delta, thinking_delta, signature_delta) / content_block_stop,
 *   then message_delta (stop_reason, stop_sequence, the billed usage) and message_stop.
 * router_metadata rides on message_start's message (as decided) and on message_delta (with the
 * final cost), as an extra field clients ignore.
 */
export class MessagesStreamEncoder {
  private started = false;
  private open: OpenBlock | null = null;
  private blocks = 0;
  /** OpenAI tool_calls[].index → Anthropic content block index. */
  private readonly toolBlocks = new Map<number, number>();
  private finish: string | null = null;
  private stopSequence: string | null = null;
  private usage: Usage | null = null;
  private closingMetadata: unknown = undefined;

  constructor(
    private readonly requestedModel: string,
    private readonly estimatedInputTokens: number,
  ) {}

  onChunk(chunk: ChatCompletionChunk): MessagesStreamEvent[] {
    const events: MessagesStreamEvent[] = [];
    if (!this.started) events.push(...this.start(chunk));
    if (chunk.usage) this.usage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) {
      if (chunk.router_metadata !== undefined) this.closingMetadata = chunk.router_metadata;
      return events;
    }
    this.delta(choice.delta ?? {}, events);
    if (choice.finish_reason) this.finish = choice.finish_reason;
    const sequence = (choice as { stop_sequence?: unknown }).stop_sequence;
    if (typeof sequence === 'string') this.stopSequence = sequence;
    return events;
  }

  /** The closing events: after the last chunk (the stream completed). */
  end(): MessagesStreamEvent[] {
    const events: MessagesStreamEvent[] = [];
    if (!this.started) events.push(...this.start(null));
    this.closeBlock(events);
    const stopReason: MessagesStopReason | null = toStopReason(this.finish ?? 'stop', this.stopSequence);
    const usage = toMessagesUsage(this.usage);
    const messageDelta: MessagesStreamEvent = {
      type: 'message_delta',
      delta: { stop_reason: stopReason, stop_sequence: this.stopSequence },
      usage,
    };
    if (this.closingMetadata !== undefined) messageDelta.router_metadata = this.closingMetadata;
    events.push(messageDelta, { type: 'message_stop' });
    return events;
  }

  private start(chunk: ChatCompletionChunk | null): MessagesStreamEvent[] {
    this.started = true;
    const message: Record<string, unknown> = {
      id: messageId(chunk?.id),
      type: 'message',
      role: 'assistant',
      model: chunk?.model || this.requestedModel,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: {
        input_tokens: this.estimatedInputTokens,
        output_tokens: 0,
        cache_creation_input_tokens: null,
        cache_read_input_tokens: null,
      },
    };
    if (chunk?.router_metadata !== undefined) message.router_metadata = chunk.router_metadata;
    return [{ type: 'message_start', message }, { type: 'ping' }];
  }

  private delta(delta: ChunkDelta, events: MessagesStreamEvent[]): void {
    const pieces = (delta as { thinking_blocks?: unknown }).thinking_blocks;
    if (Array.isArray(pieces)) for (const piece of pieces) this.thinking(piece as ThinkingPiece, events);
    const text = (delta.content ?? '') + (delta.refusal ?? '');
    if (text.length > 0) {
      this.ensureBlock('text', events, { type: 'text', text: '' });
      events.push(this.blockDelta({ type: 'text_delta', text }));
    }
    for (const call of delta.tool_calls ?? []) this.toolCall(call, events);
  }

  private thinking(piece: ThinkingPiece, events: MessagesStreamEvent[]): void {
    if (piece.type === 'redacted_thinking' && typeof piece.data === 'string') {
      this.closeBlock(events);
      const index = this.blocks++;
      events.push(
        {
          type: 'content_block_start',
          index,
          content_block: { type: 'redacted_thinking', data: piece.data },
        },
        { type: 'content_block_stop', index },
      );
      return;
    }
    if (typeof piece.thinking === 'string' && piece.thinking.length > 0) {
      this.ensureBlock('thinking', events, { type: 'thinking', thinking: '', signature: '' });
      events.push(this.blockDelta({ type: 'thinking_delta', thinking: piece.thinking }));
    }
    if (typeof piece.signature === 'string' && piece.signature.length > 0) {
      this.ensureBlock('thinking', events, { type: 'thinking', thinking: '', signature: '' });
      events.push(this.blockDelta({ type: 'signature_delta', signature: piece.signature }));
    }
  }

  private toolCall(call: ToolCallDelta, events: MessagesStreamEvent[]): void {
    let index = this.toolBlocks.get(call.index);
    if (index === undefined) {
      this.closeBlock(events);
      index = this.blocks++;
      this.toolBlocks.set(call.index, index);
      this.open = { kind: 'tool_use', index };
      events.push({
        type: 'content_block_start',
        index,
        content_block: {
          type: 'tool_use',
          id: call.id ?? `toolu_${index}`,
          name: call.function?.name ?? '',
          input: {},
        },
      });
    }
    const partial = call.function?.arguments;
    if (typeof partial === 'string' && partial.length > 0) {
      events.push({
        type: 'content_block_delta',
        index,
        delta: { type: 'input_json_delta', partial_json: partial },
      });
    }
  }

  private ensureBlock(
    kind: BlockKind,
    events: MessagesStreamEvent[],
    contentBlock: Record<string, unknown>,
  ): void {
    if (this.open?.kind === kind) return;
    this.closeBlock(events);
    const index = this.blocks++;
    this.open = { kind, index };
    events.push({ type: 'content_block_start', index, content_block: contentBlock });
  }

  private blockDelta(delta: Record<string, unknown>): MessagesStreamEvent {
    return { type: 'content_block_delta', index: this.open!.index, delta };
  }

  private closeBlock(events: MessagesStreamEvent[]): void {
    if (!this.open) return;
    events.push({ type: 'content_block_stop', index: this.open.index });
    this.open = null;
  }
}
