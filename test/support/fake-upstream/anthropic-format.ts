import { argumentPieces, textPieces } from './reply';
import type { FakeScenario, ReplyPlan } from './types';

/** Anthropic Messages API wire format, as api.anthropic.com sends it. */

type Json = Record<string, unknown>;

function parseInput(args: string): unknown {
  try {
    return JSON.parse(args) as unknown;
  } catch {
    return {};
  }
}

function usage(plan: ReplyPlan): Json {
  return {
    input_tokens: plan.usage.prompt,
    cache_creation_input_tokens: plan.usage.cacheWrite,
    cache_read_input_tokens: plan.usage.cacheRead,
    output_tokens: plan.usage.completion,
    service_tier: 'standard',
  };
}

export function anthropicMessage(plan: ReplyPlan): Json {
  const content: Json[] = [];
  if (plan.text) content.push({ type: 'text', text: plan.text });
  for (const call of plan.toolCalls)
    content.push({ type: 'tool_use', id: call.id, name: call.name, input: parseInput(call.arguments) });
  return {
    id: plan.id,
    type: 'message',
    role: 'assistant',
    model: plan.model,
    content,
    stop_reason: plan.finishReason,
    stop_sequence: null,
    usage: usage(plan),
  };
}

function event(type: string, data: Json): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

/** The full event sequence: message_start, ping, blocks (text, tool_use), message_delta, message_stop. */
export function anthropicStreamEvents(plan: ReplyPlan): string[] {
  const events: string[] = [
    event('message_start', {
      message: {
        id: plan.id,
        type: 'message',
        role: 'assistant',
        model: plan.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...usage(plan), output_tokens: 1 },
      },
    }),
  ];
  let index = 0;
  if (plan.text) {
    events.push(event('content_block_start', { index, content_block: { type: 'text', text: '' } }));
    events.push(event('ping', {}));
    for (const piece of textPieces(plan.text, plan.chunkWords)) {
      events.push(event('content_block_delta', { index, delta: { type: 'text_delta', text: piece } }));
    }
    events.push(event('content_block_stop', { index }));
    index += 1;
  } else {
    events.push(event('ping', {}));
  }
  for (const call of plan.toolCalls) {
    events.push(
      event('content_block_start', {
        index,
        content_block: { type: 'tool_use', id: call.id, name: call.name, input: {} },
      }),
    );
    events.push(
      event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: '' } }),
    );
    for (const piece of argumentPieces(call.arguments)) {
      events.push(
        event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: piece } }),
      );
    }
    events.push(event('content_block_stop', { index }));
    index += 1;
  }
  events.push(
    event('message_delta', {
      delta: { stop_reason: plan.finishReason, stop_sequence: null },
      usage: {
        input_tokens: plan.usage.prompt,
        cache_creation_input_tokens: plan.usage.cacheWrite,
        cache_read_input_tokens: plan.usage.cacheRead,
        output_tokens: plan.usage.completion,
      },
    }),
  );
  events.push(event('message_stop', {}));
  return events;
}

const ERROR_TYPES: Record<number, { type: string; message: string }> = {
  400: { type: 'invalid_request_error', message: 'messages: text content blocks must be non-empty' },
  401: { type: 'authentication_error', message: 'invalid x-api-key' },
  403: {
    type: 'permission_error',
    message: 'Your API key does not have permission to use the specified resource.',
  },
  404: { type: 'not_found_error', message: 'model: missing-model' },
  413: { type: 'request_too_large', message: 'Request exceeds the maximum allowed number of bytes.' },
  429: {
    type: 'rate_limit_error',
    message: 'This request would exceed the rate limit for your organization of 50 requests per minute.',
  },
  500: { type: 'api_error', message: 'Internal server error' },
  529: { type: 'overloaded_error', message: 'Overloaded' },
};

export function anthropicErrorBody(status: number, scenario: FakeScenario): Json {
  const known = ERROR_TYPES[status] ?? ERROR_TYPES[status >= 500 ? 500 : 400];
  return {
    type: 'error',
    error: { type: scenario.error?.type ?? known.type, message: scenario.error?.message ?? known.message },
    request_id: 'req_fake0123456789',
  };
}

export function anthropicStreamErrorEvent(message: string): string {
  return `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message }, request_id: null })}\n\n`;
}

const TOP_LEVEL = new Set([
  'model',
  'messages',
  'max_tokens',
  'system',
  'stream',
  'temperature',
  'top_p',
  'top_k',
  'stop_sequences',
  'metadata',
  'tools',
  'tool_choice',
  'thinking',
  'service_tier',
  'container',
  'output_config',
  'cache_control',
  'inference_geo',
  'mcp_servers',
]);

/** The 400 a real Anthropic API would send for this body, or null when it is valid. */
export function anthropicValidation(body: Json): Json | null {
  const invalid = (message: string): Json => ({
    type: 'error',
    error: { type: 'invalid_request_error', message },
    request_id: 'req_fake0123456789',
  });
  for (const key of Object.keys(body))
    if (!TOP_LEVEL.has(key)) return invalid(`${key}: Extra inputs are not permitted`);
  if (typeof body.max_tokens !== 'number') return invalid('max_tokens: Field required');
  if (typeof body.temperature === 'number' && (body.temperature < 0 || body.temperature > 1)) {
    return invalid('temperature: Input should be less than or equal to 1');
  }
  const messages = Array.isArray(body.messages) ? (body.messages as Json[]) : [];
  for (let i = 0; i < messages.length; i++) {
    const role = messages[i].role;
    if (role !== 'user' && role !== 'assistant')
      return invalid(`messages.${i}.role: Input should be 'user' or 'assistant'`);
  }
  return null;
}
