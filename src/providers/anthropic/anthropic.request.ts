import type {
  ChatCompletionRequest,
  ChatMessage,
  ContentPart,
  ResponseFormat,
  ToolChoice,
  ToolDefinition,
} from '../../common/openai/chat.types';
import type { ProviderRequest } from '../provider.types';
import { invalidForProvider, unsupportedParameter } from '../shared/provider-errors';
import type {
  AnthropicImageBlock,
  AnthropicMessage,
  AnthropicRequest,
  AnthropicRequestBlock,
  AnthropicTextBlock,
  AnthropicThinkingBlock,
  AnthropicTool,
  AnthropicToolChoice,
} from './anthropic.types';

/**
 * The tool used for JSON mode. Anthropic has no response_format that works on every Claude
 * model, so `json_object` / `json_schema` are served by forcing a call to this tool (its input
 * schema is the requested schema, or any object); the response translation turns its input
 * back into the message text. The name is reserved: a client tool of the same name is refused.
 */
export const JSON_RESPONSE_TOOL = 'modelmuxer_json_response';

/** Anthropic accepts temperature in [0, 1]; OpenAI's range is [0, 2]. */
const MAX_TEMPERATURE = 1;

const IMAGE_MEDIA_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

export interface AnthropicRequestOptions {
  /** The model's output ceiling from the catalog, used when the client set no max_tokens. */
  maxOutputTokens?: number;
}

/**
 * Anthropic requires max_tokens. Without a client value or a catalog hint, a per-family
 * default: the Claude 3 models' documented output limits, 8192 for everything newer (a safe
 * floor for all current models; catalogs should give the real ceiling).
 */
export function defaultAnthropicMaxTokens(model: string, hint?: number): number {
  if (hint !== undefined && hint > 0) return hint;
  if (/^claude-3-5-|^claude-3\.5/.test(model)) return 8192;
  if (/^claude-3-(opus|sonnet|haiku)/.test(model)) return 4096;
  return 8192;
}

const isOff = (value: unknown): boolean =>
  value === undefined || value === null || value === false || value === 0;

/** OpenAI parameters Anthropic has no equivalent for. Checked so nothing is silently ignored. */
function rejectUnsupported(request: ChatCompletionRequest): void {
  if (typeof request.n === 'number' && request.n > 1) {
    throw unsupportedParameter(
      'anthropic',
      'n',
      'Anthropic returns one completion per request; send n separate requests',
    );
  }
  if (!isOff(request.presence_penalty))
    throw unsupportedParameter('anthropic', 'presence_penalty', 'Anthropic has no presence penalty');
  if (!isOff(request.frequency_penalty))
    throw unsupportedParameter('anthropic', 'frequency_penalty', 'Anthropic has no frequency penalty');
  if (!isOff(request.logprobs))
    throw unsupportedParameter('anthropic', 'logprobs', 'Anthropic returns no log probabilities');
  if (!isOff(request.top_logprobs))
    throw unsupportedParameter('anthropic', 'top_logprobs', 'Anthropic returns no log probabilities');
  if (request.logit_bias && Object.keys(request.logit_bias).length > 0) {
    throw unsupportedParameter('anthropic', 'logit_bias', 'Anthropic has no logit bias');
  }
  const modalities = request.modalities;
  if (Array.isArray(modalities) && modalities.some((m) => m !== 'text')) {
    throw unsupportedParameter('anthropic', 'modalities', 'Anthropic produces text only');
  }
  if (request.audio !== undefined && request.audio !== null)
    throw unsupportedParameter('anthropic', 'audio', 'Anthropic produces text only');
  if (request.web_search_options !== undefined) {
    throw unsupportedParameter('anthropic', 'web_search_options', 'web search is an OpenAI tool');
  }
  if (request.functions !== undefined || request.function_call !== undefined) {
    throw unsupportedParameter(
      'anthropic',
      request.functions !== undefined ? 'functions' : 'function_call',
      'legacy functions are not supported; use tools',
    );
  }
  if (typeof request.temperature === 'number' && request.temperature > MAX_TEMPERATURE) {
    throw unsupportedParameter(
      'anthropic',
      'temperature',
      `Anthropic accepts temperature from 0 to ${MAX_TEMPERATURE} (got ${request.temperature}); ModelMuxer does not rescale it`,
    );
  }
}

function imageBlock(url: string, where: string): AnthropicImageBlock {
  if (url.startsWith('data:')) {
    const match = /^data:([^;,]+);base64,(.*)$/s.exec(url);
    if (!match)
      throw invalidForProvider(
        'anthropic',
        where,
        'data: image URLs must be base64-encoded (data:<type>;base64,<data>)',
      );
    if (!IMAGE_MEDIA_TYPES.has(match[1])) {
      throw unsupportedParameter(
        'anthropic',
        where,
        `image type ${match[1]} (Anthropic accepts jpeg, png, gif, webp)`,
      );
    }
    return { type: 'image', source: { type: 'base64', media_type: match[1], data: match[2] } };
  }
  if (/^https?:\/\//i.test(url)) return { type: 'image', source: { type: 'url', url } };
  throw invalidForProvider('anthropic', where, 'image URLs must be https:// or data: URLs');
}

function partsToBlocks(
  parts: readonly ContentPart[],
  where: string,
): Array<AnthropicTextBlock | AnthropicImageBlock> {
  const blocks: Array<AnthropicTextBlock | AnthropicImageBlock> = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (part.type === 'text') {
      const text = (part as { text?: unknown }).text;
      // Anthropic rejects empty text blocks; an empty part carries nothing anyway.
      if (typeof text === 'string' && text.length > 0) blocks.push({ type: 'text', text });
    } else if (part.type === 'image_url') {
      const image = (part as { image_url?: { url?: unknown } }).image_url;
      if (typeof image?.url !== 'string')
        throw invalidForProvider('anthropic', `${where}[${i}].image_url`, 'url is required');
      blocks.push(imageBlock(image.url, `${where}[${i}].image_url`));
    } else {
      throw unsupportedParameter(
        'anthropic',
        `${where}[${i}]`,
        `content part type "${part.type}" (text and image_url are supported)`,
      );
    }
  }
  return blocks;
}

function textOf(content: ChatMessage['content'], where: string): string {
  if (typeof content === 'string') return content;
  if (content === null) return '';
  let text = '';
  for (const part of content) {
    if (part.type !== 'text')
      throw unsupportedParameter('anthropic', where, 'system messages may contain text only');
    text += text ? `\n${(part as { text: string }).text}` : (part as { text: string }).text;
  }
  return text;
}

function parseArguments(args: string, where: string): unknown {
  if (args.trim() === '') return {};
  try {
    return JSON.parse(args) as unknown;
  } catch {
    throw invalidForProvider('anthropic', where, 'tool call arguments must be a JSON object');
  }
}

/** Appends blocks to the conversation, merging consecutive turns of the same role. */
function pushTurn(
  out: AnthropicMessage[],
  role: 'user' | 'assistant',
  blocks: AnthropicRequestBlock[],
): void {
  if (blocks.length === 0) return;
  const last = out[out.length - 1];
  if (last && last.role === role) {
    const merged =
      typeof last.content === 'string'
        ? [{ type: 'text', text: last.content } as AnthropicTextBlock]
        : last.content;
    // tool_result blocks must come first in a user turn.
    if (role === 'user' && blocks[0].type === 'tool_result') {
      const results = merged.filter((b) => b.type === 'tool_result');
      const others = merged.filter((b) => b.type !== 'tool_result');
      last.content = [...results, ...blocks, ...others];
    } else {
      last.content = [...merged, ...blocks];
    }
    return;
  }
  out.push({ role, content: blocks });
}

interface TranslatedMessages {
  system: string | undefined;
  messages: AnthropicMessage[];
}

/**
 * OpenAI messages → Anthropic: system/developer messages (wherever they are) are joined into
 * the top-level `system`; tool results become `tool_result` blocks of a user turn;
 * assistant tool_calls become `tool_use` blocks; consecutive same-role turns are merged.
 */
export function toAnthropicMessages(messages: readonly ChatMessage[]): TranslatedMessages {
  const system: string[] = [];
  const out: AnthropicMessage[] = [];
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i];
    const where = `messages[${i}].content`;
    switch (message.role) {
      case 'system':
      case 'developer': {
        const text = textOf(message.content, where);
        if (text) system.push(text);
        break;
      }
      case 'user': {
        const content = message.content;
        if (typeof content === 'string') {
          const last = out[out.length - 1];
          if (last && last.role === 'user') pushTurn(out, 'user', [{ type: 'text', text: content }]);
          else out.push({ role: 'user', content });
        } else if (content !== null) {
          pushTurn(out, 'user', partsToBlocks(content, where));
        }
        break;
      }
      case 'assistant':
        pushTurn(out, 'assistant', assistantBlocks(message, i));
        break;
      case 'tool':
        pushTurn(out, 'user', [toolResultBlock(message, i)]);
        break;
      default:
        throw unsupportedParameter(
          'anthropic',
          `messages[${i}].role`,
          `role "${message.role}" has no Anthropic equivalent; use tools`,
        );
    }
  }
  return { system: system.length > 0 ? system.join('\n\n') : undefined, messages: out };
}

/** An assistant turn: its text (or parts) and its tool calls as tool_use blocks. */
function assistantBlocks(message: ChatMessage, i: number): AnthropicRequestBlock[] {
  // Thinking blocks Claude returned in this turn go back first, as they were (signature included).
  const blocks: AnthropicRequestBlock[] = thinkingBlocks(message.thinking_blocks);
  const content = message.content;
  if (typeof content === 'string') {
    if (content) blocks.push({ type: 'text', text: content });
  } else if (content !== null) {
    blocks.push(...partsToBlocks(content, `messages[${i}].content`));
  }
  const calls = message.tool_calls ?? [];
  for (let j = 0; j < calls.length; j++) {
    const call = calls[j];
    blocks.push({
      type: 'tool_use',
      id: call.id,
      name: call.function.name,
      input: parseArguments(call.function.arguments, `messages[${i}].tool_calls[${j}].function.arguments`),
    });
  }
  return blocks;
}

/** The `thinking_blocks` extension of an assistant message (see /v1/messages), well-formed ones only. */
function thinkingBlocks(value: unknown): AnthropicRequestBlock[] {
  if (!Array.isArray(value)) return [];
  const blocks: AnthropicThinkingBlock[] = [];
  for (const block of value as Array<Record<string, unknown> | null>) {
    if (
      block?.type === 'thinking' &&
      typeof block.thinking === 'string' &&
      typeof block.signature === 'string'
    ) {
      blocks.push({ type: 'thinking', thinking: block.thinking, signature: block.signature });
    } else if (block?.type === 'redacted_thinking' && typeof block.data === 'string') {
      blocks.push({ type: 'redacted_thinking', data: block.data });
    }
  }
  return blocks;
}

/** A tool message: a tool_result block (of a user turn). */
function toolResultBlock(message: ChatMessage, i: number): AnthropicRequestBlock {
  if (typeof message.tool_call_id !== 'string')
    throw invalidForProvider('anthropic', `messages[${i}].tool_call_id`, 'is required');
  const content = message.content;
  return {
    type: 'tool_result',
    tool_use_id: message.tool_call_id,
    content:
      typeof content === 'string' || content === null
        ? (content ?? '')
        : partsToBlocks(content, `messages[${i}].content`),
  };
}

function toAnthropicTools(tools: readonly ToolDefinition[]): AnthropicTool[] {
  return tools.map((tool, i) => {
    if (tool.type !== 'function')
      throw unsupportedParameter(
        'anthropic',
        `tools[${i}].type`,
        `tool type "${tool.type}" (function tools only)`,
      );
    if (tool.function.name === JSON_RESPONSE_TOOL) {
      throw invalidForProvider(
        'anthropic',
        `tools[${i}].function.name`,
        `"${JSON_RESPONSE_TOOL}" is reserved by ModelMuxer`,
      );
    }
    const out: AnthropicTool = {
      name: tool.function.name,
      input_schema: tool.function.parameters ?? { type: 'object', properties: {} },
    };
    if (tool.function.description) out.description = tool.function.description;
    return out;
  });
}

function jsonResponseTool(format: ResponseFormat): AnthropicTool | null {
  if (format.type === 'json_object') {
    return {
      name: JSON_RESPONSE_TOOL,
      description: 'Give your complete answer as a JSON object by calling this tool.',
      input_schema: { type: 'object' },
    };
  }
  if (format.type !== 'json_schema') return null;
  const schema = format.json_schema?.schema ?? { type: 'object' };
  if (schema.type !== 'object') {
    throw unsupportedParameter(
      'anthropic',
      'response_format.json_schema.schema',
      'the schema root must be an object',
    );
  }
  const description = format.json_schema?.description;
  return {
    name: JSON_RESPONSE_TOOL,
    description: `Give your complete answer by calling this tool${description ? `: ${description}` : '.'}`,
    input_schema: schema,
  };
}

function toolChoice(
  choice: ToolChoice | undefined,
  parallel: boolean | undefined,
  hasClientTools: boolean,
  json: boolean,
): AnthropicToolChoice | undefined {
  const disable = parallel === false ? { disable_parallel_tool_use: true } : {};
  if (json) {
    // The model must answer through a tool: the JSON tool, or one of the client's tools.
    if (!hasClientTools || choice === 'none')
      return { type: 'tool', name: JSON_RESPONSE_TOOL, disable_parallel_tool_use: true };
    if (typeof choice === 'object') return { type: 'tool', name: choice.function.name, ...disable };
    return { type: 'any', ...disable };
  }
  if (!hasClientTools || choice === undefined)
    return parallel === false && hasClientTools ? { type: 'auto', ...disable } : undefined;
  if (choice === 'none') return { type: 'none' };
  if (choice === 'auto') return { type: 'auto', ...disable };
  if (choice === 'required') return { type: 'any', ...disable };
  return { type: 'tool', name: choice.function.name, ...disable };
}

/** Extended thinking, as an Anthropic client sent it on /v1/messages (`thinking`), passed on. */
function thinkingConfig(value: unknown): AnthropicRequest['thinking'] | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { type, budget_tokens: budget } = value as { type?: unknown; budget_tokens?: unknown };
  if (type === 'disabled') return { type: 'disabled' };
  if (type === 'enabled' && typeof budget === 'number') return { type: 'enabled', budget_tokens: budget };
  return undefined;
}

/**
 * OpenAI request → Anthropic Messages request. Pure. `thinking` (extended thinking, sent by
 * /v1/messages clients) and assistant `thinking_blocks` are passed on. Dropped on purpose (documented):
 * `seed` (no equivalent, best-effort anyway), `user` → metadata.user_id, `store`,
 * `service_tier`, `metadata`, `reasoning_effort`, `prediction`, `stream_options` (Anthropic
 * streams always report usage), image `detail`, message `name`.
 */
export function toAnthropicRequest(
  request: ProviderRequest,
  stream: boolean,
  options: AnthropicRequestOptions = {},
): AnthropicRequest {
  rejectUnsupported(request);
  const { system, messages } = toAnthropicMessages(request.messages);
  const body: AnthropicRequest = {
    model: request.model,
    messages,
    max_tokens:
      request.max_completion_tokens ??
      request.max_tokens ??
      defaultAnthropicMaxTokens(request.model, options.maxOutputTokens),
  };
  if (system !== undefined) body.system = system;
  if (stream) body.stream = true;
  if (typeof request.temperature === 'number') body.temperature = request.temperature;
  if (typeof request.top_p === 'number') body.top_p = request.top_p;
  if (typeof request.top_k === 'number') body.top_k = request.top_k;
  if (request.stop !== undefined && request.stop !== null) {
    body.stop_sequences = typeof request.stop === 'string' ? [request.stop] : request.stop;
  }
  if (typeof request.user === 'string' && request.user) body.metadata = { user_id: request.user };
  const thinking = thinkingConfig(request.thinking);
  if (thinking) body.thinking = thinking;
  const clientTools = request.tools && request.tools.length > 0 ? toAnthropicTools(request.tools) : [];
  const jsonTool = request.response_format ? jsonResponseTool(request.response_format) : null;
  const tools = jsonTool ? [...clientTools, jsonTool] : clientTools;
  if (tools.length > 0) body.tools = tools;
  const choice = toolChoice(
    request.tool_choice,
    request.parallel_tool_calls,
    clientTools.length > 0,
    jsonTool !== null,
  );
  if (choice) body.tool_choice = choice;
  return body;
}
