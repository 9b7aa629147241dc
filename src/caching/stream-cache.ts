import type {
  ChatCompletion,
  ChatCompletionChoice,
  ChatCompletionChunk,
  FinishReason,
  ToolCall,
  Usage,
} from '../common/openai/chat.types';

/**
 * Streams and the response caches: a completed stream is assembled into the completion it
 * stands for (StreamRecorder), so one stored form serves both kinds of request; a hit on a
 * `stream: true` request is replayed as the chunks a live stream sends (replayChunks).
 */

interface ChoiceDraft {
  content: string | null;
  refusal: string | null;
  toolCalls: Map<number, { id: string; type: 'function'; name: string; arguments: string }>;
  finishReason: FinishReason | null;
}

/**
 * Collects a stream's chunks into a ChatCompletion. `completion()` returns it only when the
 * stream completed: every choice has a finish_reason and the upstream's usage chunk arrived —
 * an aborted, failed or truncated stream yields null and is never stored.
 */
export class StreamRecorder {
  private id = '';
  private model = '';
  private created = 0;
  private systemFingerprint: string | null | undefined;
  private readonly choices = new Map<number, ChoiceDraft>();
  private usage: Usage | null = null;
  private failed = false;

  add(chunk: ChatCompletionChunk): void {
    this.id ||= chunk.id;
    this.model ||= chunk.model;
    this.created ||= chunk.created;
    if (chunk.system_fingerprint !== undefined) this.systemFingerprint = chunk.system_fingerprint;
    if (chunk.usage) this.usage = chunk.usage;
    for (const choice of chunk.choices) {
      let draft = this.choices.get(choice.index);
      if (!draft) {
        draft = { content: null, refusal: null, toolCalls: new Map(), finishReason: null };
        this.choices.set(choice.index, draft);
      }
      const delta = choice.delta ?? {};
      if (typeof delta.content === 'string') draft.content = (draft.content ?? '') + delta.content;
      if (typeof delta.refusal === 'string') draft.refusal = (draft.refusal ?? '') + delta.refusal;
      for (const call of delta.tool_calls ?? []) {
        const current = draft.toolCalls.get(call.index) ?? {
          id: '',
          type: 'function',
          name: '',
          arguments: '',
        };
        if (call.id) current.id = call.id;
        if (call.function?.name) current.name += call.function.name;
        if (call.function?.arguments) current.arguments += call.function.arguments;
        draft.toolCalls.set(call.index, current);
      }
      if (choice.finish_reason) draft.finishReason = choice.finish_reason;
    }
  }

  /** The stream failed or was cut off: nothing is to be stored. */
  fail(): void {
    this.failed = true;
  }

  completion(): ChatCompletion | null {
    if (this.failed || this.choices.size === 0 || this.usage === null) return null;
    const choices: ChatCompletionChoice[] = [];
    for (const [index, draft] of [...this.choices].sort((a, b) => a[0] - b[0])) {
      if (draft.finishReason === null) return null;
      const toolCalls: ToolCall[] = [...draft.toolCalls]
        .sort((a, b) => a[0] - b[0])
        .map(([, call]) => ({
          id: call.id,
          type: 'function',
          function: { name: call.name, arguments: call.arguments },
        }));
      choices.push({
        index,
        message: {
          role: 'assistant',
          content: draft.content,
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
          ...(draft.refusal !== null ? { refusal: draft.refusal } : {}),
        },
        finish_reason: draft.finishReason,
      });
    }
    const completion: ChatCompletion = {
      id: this.id,
      object: 'chat.completion',
      created: this.created,
      model: this.model,
      choices,
      usage: this.usage,
    };
    if (this.systemFingerprint !== undefined) completion.system_fingerprint = this.systemFingerprint;
    return completion;
  }
}

/** Characters of content per replayed chunk (a live stream's chunks are a few tokens each). */
const REPLAY_CHARS = 64;

/**
 * The chunks a live stream of `completion` sends: per choice a role chunk, content in pieces,
 * tool calls (one chunk per call: id, name and arguments), a final chunk with finish_reason,
 * then — when `includeUsage` — the usage chunk (no choices). `id`/`created` are the new
 * response's, like a live answer's.
 */
export function replayChunks(
  completion: ChatCompletion,
  options: { id: string; created: number; includeUsage: boolean },
): ChatCompletionChunk[] {
  const fingerprint =
    completion.system_fingerprint !== undefined ? { system_fingerprint: completion.system_fingerprint } : {};
  const base = {
    id: options.id,
    object: 'chat.completion.chunk' as const,
    created: options.created,
    model: completion.model,
    ...fingerprint,
  };
  const chunks: ChatCompletionChunk[] = [];
  for (const choice of completion.choices) {
    for (const [delta, finish] of choiceDeltas(choice)) {
      chunks.push({ ...base, choices: [{ index: choice.index, delta, finish_reason: finish }] });
    }
  }
  if (options.includeUsage && completion.usage)
    chunks.push({ ...base, choices: [], usage: completion.usage });
  return chunks;
}

type ReplayDelta = ChatCompletionChunk['choices'][number]['delta'];
type ReplayFinish = ChatCompletionChunk['choices'][number]['finish_reason'];

/** One choice as live deltas: role, content in pieces, refusal, tool calls, then finish_reason. */
function choiceDeltas(choice: ChatCompletion['choices'][number]): Array<[ReplayDelta, ReplayFinish]> {
  const { message } = choice;
  const deltas: Array<[ReplayDelta, ReplayFinish]> = [[{ role: 'assistant', content: '' }, null]];
  const content = message.content ?? '';
  for (let at = 0; at < content.length; at += REPLAY_CHARS)
    deltas.push([{ content: content.slice(at, at + REPLAY_CHARS) }, null]);
  if (message.refusal) deltas.push([{ refusal: message.refusal }, null]);
  (message.tool_calls ?? []).forEach((call, callIndex) => {
    const toolCall = {
      index: callIndex,
      id: call.id,
      type: 'function' as const,
      function: { name: call.function.name, arguments: call.function.arguments },
    };
    deltas.push([{ tool_calls: [toolCall] }, null]);
  });
  deltas.push([{}, choice.finish_reason ?? 'stop']);
  return deltas;
}
