import { MessageStream } from '@anthropic-ai/sdk/lib/MessageStream';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { fixtureEvents, fixtureJson } from '../../../test/fixtures/providers/load';
import type { ChatCompletion, ChatCompletionChunk } from '../../common/openai/chat.types';
import { fromAnthropicResponse } from '../../providers/anthropic/anthropic.response';
import { AnthropicStreamTranslator } from '../../providers/anthropic/anthropic.stream';
import { OpenAICompatibleStreamTranslator } from '../../providers/openai-compatible/openai-compatible.stream';
import { OPENAI_DIALECT } from '../../providers/openai/openai.request';
import { toMessagesResponse, toMessagesUsage, toStopReason, toolInput } from './messages-response';
import { MessagesStreamEncoder } from './messages-stream';
import type { MessagesResponse, MessagesStreamEvent } from './messages.types';

const INBOUND = join(__dirname, '../../../test/fixtures/anthropic-in');

function inboundEvents(name: string): EventSourceMessage[] {
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => events.push(event) });
  parser.feed(readFileSync(join(INBOUND, name), 'utf8'));
  return events;
}

/** An upstream stream through the provider translator: the internal chunks the pipeline relays. */
function anthropicChunks(events: EventSourceMessage[]): ChatCompletionChunk[] {
  const translator = new AnthropicStreamTranslator('claude', 1);
  const chunks = events
    .map((event) => translator.onEvent(event))
    .filter((c): c is ChatCompletionChunk => c !== null);
  chunks.push(translator.finish());
  return chunks;
}

function openAIChunks(events: EventSourceMessage[]): ChatCompletionChunk[] {
  const translator = new OpenAICompatibleStreamTranslator(
    OPENAI_DIALECT,
    { model: 'gpt-4o-mini', messages: [] },
    1,
  );
  const chunks: ChatCompletionChunk[] = [];
  for (const event of events) {
    if (event.data === '[DONE]') break;
    const chunk = translator.onEvent(event);
    if (chunk) chunks.push(chunk);
  }
  chunks.push(translator.finish());
  return chunks;
}

function encode(chunks: ChatCompletionChunk[]): MessagesStreamEvent[] {
  const encoder = new MessagesStreamEncoder('requested-model', 10);
  return [...chunks.flatMap((chunk) => encoder.onChunk(chunk)), ...encoder.end()];
}

/** The official SDK assembles the events into its final message (as `messages.stream()` does). */
async function sdkFinalMessage(events: MessagesStreamEvent[]): Promise<MessagesResponse> {
  const lines = events.map((event) => JSON.stringify(event)).join('\n') + '\n';
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(lines));
      controller.close();
    },
  });
  return (await MessageStream.fromReadableStream(body).finalMessage()) as unknown as MessagesResponse;
}

describe('toMessagesResponse (internal completion → Anthropic message)', () => {
  it.each(['message.json', 'message-tool-use.json', 'message-json-mode.json'])(
    'gives back the recorded Anthropic message %s after the provider translation',
    (name) => {
      const original = fixtureJson<MessagesResponse & { usage: Record<string, unknown> }>(
        `anthropic/${name}`,
      );
      const message = toMessagesResponse(
        fromAnthropicResponse(fixtureJson(`anthropic/${name}`), 1),
        'claude',
      );
      expect(message.id).toBe(original.id);
      expect(message.model).toBe(original.model);
      const { service_tier: _tier, ...usage } = original.usage;
      expect(message.usage).toEqual(usage);
      if (name === 'message-json-mode.json') {
        // JSON mode is served by a ModelMuxer tool: the client sees its JSON as text.
        expect(message.stop_reason).toBe('end_turn');
        expect(message.content).toEqual([{ type: 'text', text: expect.any(String) as unknown }]);
      } else {
        expect(message.stop_reason).toBe(original.stop_reason);
        expect(message.content).toEqual(original.content);
      }
    },
  );

  it('keeps thinking blocks and the matched stop sequence of an Anthropic target', () => {
    const original = JSON.parse(
      readFileSync(join(INBOUND, 'message-thinking.json'), 'utf8'),
    ) as MessagesResponse;
    const message = toMessagesResponse(fromAnthropicResponse(structuredClone(original), 1), 'claude');
    expect(message.content).toEqual(original.content);
    expect(message.stop_reason).toBe('stop_sequence');
    expect(message.stop_sequence).toBe('###');
  });

  it('translates an OpenAI completion with tool calls', () => {
    const completion = fixtureJson<ChatCompletion>('openai/chat-completion-tool-calls.json');
    const message = toMessagesResponse(completion, 'gpt-4o-mini');
    expect(message.id).toBe(`msg_${completion.id}`);
    expect(message.stop_reason).toBe('tool_use');
    const calls = completion.choices[0].message.tool_calls!;
    expect(message.content.filter((block) => block.type === 'tool_use')).toEqual(
      calls.map((call) => ({
        type: 'tool_use',
        id: call.id,
        name: call.function.name,
        input: JSON.parse(call.function.arguments) as unknown,
      })),
    );
    expect(message.usage.output_tokens).toBe(completion.usage!.completion_tokens);
  });

  it('maps finish reasons to stop reasons', () => {
    expect(toStopReason('stop')).toBe('end_turn');
    expect(toStopReason('stop', 'END')).toBe('stop_sequence');
    expect(toStopReason('length')).toBe('max_tokens');
    expect(toStopReason('tool_calls')).toBe('tool_use');
    expect(toStopReason('function_call')).toBe('tool_use');
    expect(toStopReason('content_filter')).toBe('refusal');
  });

  it('maps usage: input excludes cache reads and writes; garbage counts as 0', () => {
    expect(
      toMessagesUsage({
        prompt_tokens: 2009,
        completion_tokens: 12,
        total_tokens: 2021,
        prompt_tokens_details: { cached_tokens: 1800, cache_creation_tokens: 188 },
      }),
    ).toEqual({
      input_tokens: 21,
      output_tokens: 12,
      cache_read_input_tokens: 1800,
      cache_creation_input_tokens: 188,
    });
    expect(toMessagesUsage(undefined)).toEqual({
      input_tokens: 0,
      output_tokens: 0,
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 0,
    });
  });

  it('keeps tool arguments that are not a JSON object, unparsed', () => {
    expect(toolInput('{"a":1}')).toEqual({ a: 1 });
    expect(toolInput('')).toEqual({});
    expect(toolInput('{"a":')).toEqual({ _raw_arguments: '{"a":' });
    expect(toolInput('[1]')).toEqual({ _raw_arguments: '[1]' });
  });
});

describe('MessagesStreamEncoder (internal chunks → Anthropic stream events)', () => {
  it.each(['stream-text.sse', 'stream-tool-use.sse'])(
    'reproduces the recorded Anthropic stream %s (same events, same final message)',
    async (name) => {
      const recorded = fixtureEvents(`anthropic/${name}`);
      const events = encode(anthropicChunks(recorded));
      // An empty input_json_delta carries nothing: it is not reproduced.
      const recordedTypes = recorded
        .map((event) => JSON.parse(event.data) as { type: string; delta?: { partial_json?: string } })
        .filter((event) => event.delta?.partial_json !== '')
        .map((event) => event.type);
      expect(events.map((event) => event.type).filter((t) => t !== 'ping')).toEqual(
        recordedTypes.filter((t) => t !== 'ping'),
      );
      expect(events[1]).toEqual({ type: 'ping' });
      const original = await sdkFinalMessage(
        recorded.map((event) => JSON.parse(event.data) as MessagesStreamEvent),
      );
      const ours = await sdkFinalMessage(events);
      expect(ours.content).toEqual(original.content);
      expect(ours.stop_reason).toBe(original.stop_reason);
      expect(ours.id).toBe(original.id);
      expect(ours.usage.output_tokens).toBe(original.usage.output_tokens);
    },
  );

  it('streams thinking blocks (thinking_delta, signature_delta) from an Anthropic target', async () => {
    const recorded = inboundEvents('stream-thinking.sse');
    const events = encode(anthropicChunks(recorded));
    const original = await sdkFinalMessage(
      recorded.map((event) => JSON.parse(event.data) as MessagesStreamEvent),
    );
    const ours = await sdkFinalMessage(events);
    expect(ours.content).toEqual(original.content);
    expect(
      events.filter((e) => e.type === 'content_block_delta').map((e) => (e.delta as { type: string }).type),
    ).toEqual(['thinking_delta', 'thinking_delta', 'signature_delta', 'text_delta']);
  });

  it('turns an OpenAI tool-call stream into tool_use blocks the SDK assembles', async () => {
    const events = encode(openAIChunks(fixtureEvents('openai/stream-tool-calls.sse')));
    const message = await sdkFinalMessage(events);
    expect(message.stop_reason).toBe('tool_use');
    const tools = message.content.filter((block) => block.type === 'tool_use');
    expect(tools.length).toBeGreaterThanOrEqual(2);
    expect(tools[0]).toMatchObject({ type: 'tool_use', name: 'get_weather', input: { location: 'Paris' } });
    const starts = events.filter((event) => event.type === 'content_block_start').length;
    expect(events.filter((event) => event.type === 'content_block_stop')).toHaveLength(starts);
  });

  it('turns an OpenAI text stream into one text block with the final usage in message_delta', async () => {
    const chunks = openAIChunks(fixtureEvents('openai/stream-text.sse'));
    const events = encode(chunks);
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    const message = await sdkFinalMessage(events);
    expect(message.content).toEqual([{ type: 'text', text }]);
    expect(message.stop_reason).toBe('end_turn');
    const usage = chunks.at(-1)?.usage;
    const delta = events.find((event) => event.type === 'message_delta')!;
    expect(delta.usage).toMatchObject({ output_tokens: usage?.completion_tokens ?? 0 });
    expect(events.at(-1)).toEqual({ type: 'message_stop' });
  });

  it('answers an empty stream with a well-formed empty message', async () => {
    const events = encode([]);
    expect(events.map((event) => event.type)).toEqual([
      'message_start',
      'ping',
      'message_delta',
      'message_stop',
    ]);
    const message = await sdkFinalMessage(events);
    expect(message.content).toEqual([]);
    expect(message.model).toBe('requested-model');
  });

  it('puts router_metadata on message_start (as decided) and message_delta (with the cost)', () => {
    const encoder = new MessagesStreamEncoder('m', 3);
    const first = encoder.onChunk({
      id: 'c1',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'm',
      choices: [{ index: 0, delta: { role: 'assistant', content: 'Hi' }, finish_reason: null }],
      router_metadata: { cost_usd: null },
    });
    expect((first[0].message as Record<string, unknown>).router_metadata).toEqual({ cost_usd: null });
    encoder.onChunk({
      id: 'c1',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'm',
      choices: [],
      usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
      router_metadata: { cost_usd: 0.001 },
    });
    const end = encoder.end();
    expect(end.find((event) => event.type === 'message_delta')?.router_metadata).toEqual({ cost_usd: 0.001 });
  });
});
